using System.Net;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Previews;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Blobs;

/// <summary>
/// What follows a blob's commit and removal (<see cref="IBlobLifecycleObserver"/>) never undoes them:
/// an observer that fails is logged, the upload and the delete answer as they would, and the other
/// observers (previews) are still told.
/// </summary>
public sealed class BlobLifecycleTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task ObserverFails_UploadAndDeleteSucceed_PreviewsStillGoWithTheirSource()
    {
        using var app = new BlossomApplication
        {
            ReplaceServices = services => services.AddSingleton<IBlobLifecycleObserver, FailingObserver>(),
        };
        var client = app.Start();
        var previews = app.Services.GetRequiredService<PreviewService>();

        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");
        var preview = (await previews.GetOrCreateAsync(blob.Sha256, previews.DefaultSpec, CancellationToken.None)).Preview!;
        using var delete = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256])));

        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await app.Services.GetRequiredService<BlobService>().FindAsync(preview.Sha256, CancellationToken.None)).Should().BeNull("the preview went with its source");
        app.Logs.Entries.Where(e => e.Level == LogLevel.Error && e.Exception?.Message == FailingObserver.Reason).Should().HaveCountGreaterThanOrEqualTo(2,
            "the failed commit and removal of the source are logged");
    }

    private sealed class FailingObserver : IBlobLifecycleObserver
    {
        public const string Reason = "This observer fails on purpose";

        public Task BlobCommittedAsync(BlobRecord blob, DerivedBlob? derived, CancellationToken cancellationToken) => throw new InvalidOperationException(Reason);

        public Task BlobRemovedAsync(string sha256, CancellationToken cancellationToken) => throw new InvalidOperationException(Reason);
    }
}
