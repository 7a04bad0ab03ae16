using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server.Http;
using Blossom.Tests.Infrastructure;

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
}
