using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Previews;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Previews;

/// <summary>The preview service of a running server: its own store, SQLite index and settings.</summary>
public sealed class PreviewServiceTests : IDisposable
{
    private readonly BlossomApplication _app;
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();
    private readonly PreviewService _previews;

    public PreviewServiceTests() : this(null) { }

    private PreviewServiceTests(IReadOnlyDictionary<string, string?>? settings)
    {
        _app = new BlossomApplication(settings);
        _client = _app.Start();
        _previews = _app.Services.GetRequiredService<PreviewService>();
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task GetOrCreateAsync_FirstRequestMakesABlob_TheNextFindsIt()
    {
        var source = await _client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");
        var spec = _previews.Sizes.Snap(300, 200, PreviewMethod.Scale, PreviewFormat.Webp, animated: false);

        var first = await _previews.GetOrCreateAsync(source.Sha256, spec, CancellationToken.None);
        var second = await _previews.GetOrCreateAsync(source.Sha256, spec, CancellationToken.None);

        first.Kind.Should().Be(PreviewRefusalKind.None);
        first.Preview!.Should().BeEquivalentTo(new { Type = "image/webp", Width = 320L, Height = 240L, OriginalSha256 = source.Sha256 });
        second.Preview!.Sha256.Should().Be(first.Preview!.Sha256);
        _previews.Renders.Should().Be(1);
        (await _previews.FindAsync(source.Sha256, spec, CancellationToken.None))!.Sha256.Should().Be(first.Preview.Sha256);
        (await _app.Services.GetRequiredService<BlobService>().OwnersAsync(first.Preview.Sha256, CancellationToken.None)).Should().BeEmpty("a preview is nobody's upload");
        using var served = await _client.GetAsync($"/{first.Preview.Sha256}");
        served.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        served.Content.Headers.ContentType!.MediaType.Should().Be("image/webp");
    }

    [Fact]
    public async Task GetOrCreateAsync_ConcurrentIdenticalRequests_RenderOnce()
    {
        var source = await _client.UploadAsync(_alice, MediaSamples.PhoneJpeg(), "image/jpeg");
        var spec = _previews.DefaultSpec;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _previews.GetOrCreateAsync(source.Sha256, spec, CancellationToken.None))));

        results.Select(r => r.Preview?.Sha256).Distinct().Should().ContainSingle().Which.Should().NotBeNull();
        _previews.Renders.Should().Be(1);
    }

    [Fact]
    public async Task FindAsync_NotMadeYet_NullAndMakesNothing()
    {
        var source = await _client.UploadAsync(_alice, MediaSamples.PngWithAlpha(200, 100), "image/png");

        (await _previews.FindAsync(source.Sha256, _previews.DefaultSpec, CancellationToken.None)).Should().BeNull();
        _previews.Renders.Should().Be(0);
    }

    [Fact]
    public async Task GetOrCreateAsync_NoPreviewPossible_SaysWhy()
    {
        var text = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(), "application/pdf");
        var broken = await _client.UploadAsync(_alice, MediaSamples.Junk(), "image/png");

        var unknown = await _previews.GetOrCreateAsync(new string('a', 64), _previews.DefaultSpec, CancellationToken.None);
        var unsupported = await _previews.GetOrCreateAsync(text.Sha256, _previews.DefaultSpec, CancellationToken.None);
        var unavailable = await _previews.GetOrCreateAsync(broken.Sha256, _previews.DefaultSpec, CancellationToken.None);

        unknown.Should().Be(PreviewResult.Refused(PreviewRefusalKind.NotFound, "Blob not found"));
        unsupported.Should().Be(PreviewResult.Refused(PreviewRefusalKind.Unsupported, "Blobs of type application/pdf have no preview: only images and video do"));
        unavailable.Should().Be(PreviewResult.Refused(PreviewRefusalKind.Unavailable, "The image data is damaged or not an image"));
    }

    [Fact]
    public async Task GetOrCreateAsync_SourceThatCannotBePreviewed_TriedOnceThenRemembered()
    {
        var broken = await _client.UploadAsync(_alice, MediaSamples.Junk(), "video/mp4");

        var first = await _previews.GetOrCreateAsync(broken.Sha256, _previews.DefaultSpec, CancellationToken.None);
        var second = await _previews.GetOrCreateAsync(broken.Sha256, _previews.DefaultSpec, CancellationToken.None);

        second.Should().Be(first);
        first.Should().Be(PreviewResult.Refused(PreviewRefusalKind.Unavailable, "Not a decodable video"));
        _app.Logs.Entries.Where(e => e.Category == typeof(PreviewService).FullName && e.EventId.Id == 90).Should().ContainSingle("the second answer is remembered, not tried again");
    }

    [Fact]
    public async Task GetOrCreateAsync_SourceThatCannotBePreviewed_RefusedInEveryBoxMethodAndFormatAfterOneAttempt()
    {
        var broken = await _client.UploadAsync(_alice, MediaSamples.Junk(), "image/png");
        PreviewSpec[] specs =
        [
            _previews.Sizes.Snap(32, 32, PreviewMethod.Crop, PreviewFormat.Jpeg, animated: false),
            _previews.DefaultSpec,
            _previews.Sizes.Snap(1280, 720, PreviewMethod.Scale, PreviewFormat.Png, animated: false),
        ];

        var results = new List<PreviewResult>();
        foreach (var spec in specs)
            results.Add(await _previews.GetOrCreateAsync(broken.Sha256, spec, CancellationToken.None));

        results.Should().AllBeEquivalentTo(PreviewResult.Refused(PreviewRefusalKind.Unavailable, "The image data is damaged or not an image"));
        _app.Logs.Entries.Where(e => e.Category == typeof(PreviewService).FullName && e.EventId.Id == 90).Should().ContainSingle("a refusal holds for the source, not for one box");
    }

    [Fact]
    public async Task GetOrCreateAsync_PreviewLargerThanItsSource_TheSourceItself()
    {
        var png = await _client.UploadAsync(_alice, MediaSamples.Checkerboard("image/png", metadata: false), "image/png");

        var result = await _previews.GetOrCreateAsync(png.Sha256, _previews.Sizes.Snap(1280, 720, PreviewMethod.Scale, PreviewFormat.Webp, false), CancellationToken.None);

        result.Preview!.Sha256.Should().Be(png.Sha256);
    }

    [Fact]
    public async Task Delete_SourcesLastOwner_ItsUnownedPreviewsGo_AnOwnedOneStays()
    {
        var source = await _client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");
        var small = (await _previews.GetOrCreateAsync(source.Sha256, _previews.Sizes.Snap(96, 96, PreviewMethod.Crop, PreviewFormat.Jpeg, false), CancellationToken.None)).Preview!;
        var large = (await _previews.GetOrCreateAsync(source.Sha256, _previews.DefaultSpec, CancellationToken.None)).Preview!;
        // Someone uploads the large preview's bytes as their own blob.
        var bob = new NostrSigner();
        var copy = await (await _client.GetAsync($"/{large.Sha256}")).Content.ReadAsByteArrayAsync();
        await _client.UploadAsync(bob, copy, "image/webp");

        using var delete = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{source.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [source.Sha256])));

        delete.StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
        (await _client.GetAsync($"/{small.Sha256}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        (await _client.GetAsync($"/{large.Sha256}")).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        (await _app.Services.GetRequiredService<IPreviewIndex>().ForSourceAsync(source.Sha256, CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task AdminDelete_Source_ItsPreviewsGo()
    {
        var operatorKey = new NostrSigner();
        using var test = new PreviewServiceTests(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = operatorKey.Pubkey });
        var source = await test._client.UploadAsync(test._alice, MediaSamples.PngWithAlpha(800, 600), "image/png");
        var preview = (await test._previews.GetOrCreateAsync(source.Sha256, test._previews.DefaultSpec, CancellationToken.None)).Preview!;

        using var delete = await test._client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/admin/blobs/{source.Sha256}")
            .WithToken(operatorKey.Token(AuthorizationVerb.Admin)));

        delete.StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
        (await test._client.GetAsync($"/{preview.Sha256}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetOrCreateAsync_PreviewBlobRemovedByTheOperator_MadeAgain()
    {
        var source = await _client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");
        var first = (await _previews.GetOrCreateAsync(source.Sha256, _previews.DefaultSpec, CancellationToken.None)).Preview!;
        await _app.Services.GetRequiredService<BlobService>().RemoveAsync(first.Sha256, CancellationToken.None);

        var again = await _previews.GetOrCreateAsync(source.Sha256, _previews.DefaultSpec, CancellationToken.None);

        again.Preview!.Sha256.Should().Be(first.Sha256);
        _previews.Renders.Should().Be(2);
        (await _client.GetAsync($"/{first.Sha256}")).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task GetOrCreateAsync_EverySlotBusyForTheTimeLimit_TryAgainLater()
    {
        using var test = new PreviewServiceTests(new Dictionary<string, string?> { ["Blossom:Previews:Concurrency"] = "1", ["Blossom:Previews:TimeoutSeconds"] = "1" });
        var first = await test._client.UploadAsync(test._alice, MediaSamples.PngWithAlpha(200, 100), "image/png");
        var second = await test._client.UploadAsync(test._alice, MediaSamples.PngWithAlpha(200, 100), "image/png");
        var spec = test._previews.DefaultSpec;
        // Another node making the first preview holds its section: this node's one slot waits there.
        var locks = test._app.Services.GetRequiredKeyedService<IBlobLocks>("previews");
        var held = await locks.EnterAsync(PreviewService.LockKey(first.Sha256, spec), CancellationToken.None);
        var waiting = test._previews.GetOrCreateAsync(first.Sha256, spec, CancellationToken.None);
        await Poll.UntilAsync(() => test._previews.Making == 1, "the first preview holds the only slot");

        var refused = await test._previews.GetOrCreateAsync(second.Sha256, spec, CancellationToken.None);
        await held.DisposeAsync();

        refused.Should().Be(PreviewResult.Refused(PreviewRefusalKind.Busy, "Too many previews are being made; try again shortly"));
        (await waiting).Kind.Should().Be(PreviewRefusalKind.None);
        (await test._previews.GetOrCreateAsync(second.Sha256, spec, CancellationToken.None)).Kind.Should().Be(PreviewRefusalKind.None);
    }

    [Fact]
    public async Task GetOrCreateAsync_SourceOverTheByteLimit_RefusedWithoutRendering()
    {
        using var test = new PreviewServiceTests(new Dictionary<string, string?> { ["Blossom:Previews:MaxSourceBytes"] = "1000" });
        var source = await test._client.UploadAsync(test._alice, MediaSamples.PngWithAlpha(200, 100), "image/png");

        var result = await test._previews.GetOrCreateAsync(source.Sha256, test._previews.DefaultSpec, CancellationToken.None);

        result.Kind.Should().Be(PreviewRefusalKind.Unavailable);
        result.Refusal.Should().Be($"This blob of {source.Size} bytes is larger than this server's limit of 1000 bytes for previews");
        test._previews.Renders.Should().Be(0);
    }

    [Fact]
    public async Task GetOrCreateAsync_SpecOutsideTheAllowedSizes_SnappedFirst()
    {
        var source = await _client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");

        var odd = await _previews.GetOrCreateAsync(source.Sha256, new PreviewSpec(317, 10, PreviewMethod.Scale, PreviewFormat.Webp, false), CancellationToken.None);

        odd.Preview!.Should().BeEquivalentTo(new { Width = 320L, Height = 240L });
        (await _previews.FindAsync(source.Sha256, new PreviewSpec(320, 240, PreviewMethod.Scale, PreviewFormat.Webp, false), CancellationToken.None))!.Sha256.Should().Be(odd.Preview!.Sha256);
    }

    [Fact]
    public async Task GetOrCreateAsync_MediaDisabled_StillMakesVideoPreviews()
    {
        using var test = new PreviewServiceTests(new Dictionary<string, string?> { ["Blossom:Media:Enabled"] = "false" });
        var video = await test._client.UploadAsync(test._alice, await MediaSamples.VideoWithBlackStartAsync(), "video/mp4");

        var result = await test._previews.GetOrCreateAsync(video.Sha256, test._previews.DefaultSpec, CancellationToken.None);

        result.Preview!.Should().BeEquivalentTo(new { Type = "image/webp", Width = 320L, Height = 240L });
    }
}
