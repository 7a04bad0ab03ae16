using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Blobs;

/// <summary>The store under concurrency and across restarts, through the real server.</summary>
public sealed class BlobStoreTests
{
    [Fact]
    public async Task ConcurrentDuplicateUploads_OneCreatedRestOk_BytesIntact()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(3 * 1024 * 1024);
        var signers = Enumerable.Range(0, 8).Select(_ => new NostrSigner()).ToList();

        var responses = await Task.WhenAll(signers.Select(s =>
            client.SendAsync(BlossomRequests.Upload(data, s.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])))));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).Should().Be(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.OK).Should().Be(7);
        var descriptors = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<BlobDescriptor>()));
        descriptors.Distinct().Should().ContainSingle();
        (await client.GetByteArrayAsync($"/{BlossomRequests.Sha256(data)}")).Should().Equal(data);
        foreach (var signer in signers)
            (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{signer.Pubkey}")).Should().ContainSingle();
        Directory.EnumerateFiles(Path.Combine(app.StoragePath, ".tmp")).Should().BeEmpty();
    }

    [Fact]
    public async Task Restart_AfterCrashLeftTempFile_SweptAndBlobsKept()
    {
        var root = Directory.CreateTempSubdirectory("blossom-restart-").FullName;
        try
        {
            var signer = new NostrSigner();
            var data = BlossomRequests.RandomBlob(10_000);
            BlobDescriptor blob;
            string leftover;
            using (var first = new BlossomApplication(dataRoot: root))
            {
                blob = await first.Start().UploadAsync(signer, data, "image/png");
                // What a process killed mid-upload leaves: a half-written temp file.
                leftover = Path.Combine(first.StoragePath, ".tmp", "0123456789abcdef0123456789abcdef");
                await File.WriteAllBytesAsync(leftover, data[..4000]);
            }

            using var second = new BlossomApplication(dataRoot: root);
            var client = second.Start();

            File.Exists(leftover).Should().BeFalse();
            using var response = await client.GetAsync($"/{blob.Sha256}.png");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
            (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{signer.Pubkey}"))!.Single().Sha256.Should().Be(blob.Sha256);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Restart_StoredBlobWithoutIndexRow_RemovedOnceOldIndexedAndRecentKept()
    {
        var root = Directory.CreateTempSubdirectory("blossom-sweep-").FullName;
        try
        {
            var data = BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes);
            var small = BlossomRequests.RandomBlob(1000);
            BlobDescriptor blob, smallBlob;
            string storage;
            using (var first = new BlossomApplication(dataRoot: root))
            {
                var client = first.Start();
                blob = await client.UploadAsync(new NostrSigner(), data, "application/octet-stream");
                smallBlob = await client.UploadAsync(new NostrSigner(), small, "application/octet-stream");
                storage = first.StoragePath;
            }
            // What a crash between a blob's bytes and its index row leaves: files nobody can get or delete.
            var longAgo = DateTime.UtcNow - BlobService.OrphanGracePeriod - TimeSpan.FromMinutes(5);
            var orphan = PlantBlob(storage, BlossomRequests.RandomBlob(5000));
            File.SetLastWriteTimeUtc(orphan, longAgo);
            // Within the grace period: it may be an upload whose row is being written right now.
            var recent = PlantBlob(storage, BlossomRequests.RandomBlob(5000));
            File.SetLastWriteTimeUtc(BlobPath(storage, blob.Sha256), longAgo);
            // The same for small blobs, whose bytes are rows of the database: an old one without an index row, an old indexed one.
            var orphanRow = BlossomRequests.Sha256(BlossomRequests.RandomBlob(10));
            await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(root, "blossom.db")}"))
            {
                await database.OpenAsync();
                var stored = new DateTimeOffset(longAgo).ToUnixTimeSeconds();
                await database.ExecuteAsync("INSERT INTO small_blobs (sha256, bytes, stored) VALUES (@orphanRow, x'00', @stored)", new { orphanRow, stored });
                await database.ExecuteAsync("UPDATE small_blobs SET stored = @stored", new { stored });
            }

            using var second = new BlossomApplication(dataRoot: root);
            var client2 = second.Start();

            await Poll.UntilAsync(() => second.Logs.Entries.Any(e => e.Category == typeof(OrphanSweepService).FullName
                && e.Level == LogLevel.Information && e.Value("Count") == "2"), "the start-up sweep logs what it removed", TimeSpan.FromSeconds(30));
            File.Exists(orphan).Should().BeFalse();
            File.Exists(recent).Should().BeTrue();
            await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(root, "blossom.db")}"))
                (await database.QueryAsync<string>("SELECT sha256 FROM small_blobs")).Should().Equal(smallBlob.Sha256);
            (await client2.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);
            (await client2.GetByteArrayAsync($"/{smallBlob.Sha256}")).Should().Equal(small);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private static string BlobPath(string storage, string sha256) => Path.Combine(storage, sha256[..2], sha256[2..4], sha256);

    private static string PlantBlob(string storage, byte[] data)
    {
        var path = BlobPath(storage, BlossomRequests.Sha256(data));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data);
        return path;
    }
}
