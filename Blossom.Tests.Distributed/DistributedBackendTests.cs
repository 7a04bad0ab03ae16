using System.Net;
using Blossom.Core.Blobs;
using Blossom.Core.Data.Postgres;
using Blossom.Core.Storage;
using Blossom.Core.Storage.S3;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Distributed;

/// <summary>
/// The servers of this assembly run on S3 + PostgreSQL, each on a store and database of its own:
/// otherwise the linked suite would quietly test the file system and SQLite a second time.
/// </summary>
public sealed class DistributedBackendTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task Servers_OnS3AndPostgres_EachSeesOnlyItsOwnBlobs()
    {
        using var first = new BlossomApplication();
        using var second = new BlossomApplication();
        var firstClient = first.Start();
        var secondClient = second.Start();
        var data = BlossomRequests.RandomBlob(100_000);

        var blob = await firstClient.UploadAsync(_alice, data);

        // Blobs past the small-blob threshold live in the bucket; the small ones are rows of the same database.
        first.Services.GetRequiredService<IBlobStore>().Should().BeOfType<SmallBlobStore>();
        (await first.Services.GetRequiredService<S3BlobStore>().LengthAsync(blob.Sha256, CancellationToken.None)).Should().Be(data.Length);
        first.Services.GetRequiredService<IBlobIndex>().Should().BeOfType<PostgresBlobIndex>();
        File.Exists(Path.Combine(first.DataRoot, "blossom.db")).Should().BeFalse();
        (await firstClient.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);
        (await secondClient.GetAsync($"/{blob.Sha256}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Server_RestartedOnItsDataFolder_FindsItsBlobsAgain()
    {
        var root = Directory.CreateTempSubdirectory("blossom-test-").FullName;
        try
        {
            var data = BlossomRequests.RandomBlob(100_000);
            BlobDescriptor blob;
            using (var first = new BlossomApplication(dataRoot: root))
                blob = await first.Start().UploadAsync(_alice, data);

            using var second = new BlossomApplication(dataRoot: root);

            (await second.Start().GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
