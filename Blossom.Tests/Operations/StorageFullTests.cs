using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Operations;

/// <summary>A full disk, for real (a small tmpfs): writes refused with 507, reads served, index and files in step.</summary>
public sealed class StorageFullTests
{
    private const string OutOfSpace = "The server is out of storage space";
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task Upload_BlobStorageFull_507WithReason_ReadsServedNoOrphanHealthDegraded()
    {
        using var disk = TmpfsMount.Create("2m");
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Storage:Path"] = disk.Path });
        var client = app.Start();

        var stored = new List<byte[]>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 40 && refused is null; i++)
        {
            var data = BlossomRequests.RandomBlob(100 * 1024);
            var response = await client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
            if (response.IsSuccessStatusCode)
                stored.Add(data);
            else
                refused = response;
        }

        refused.Should().NotBeNull("a 2 MiB disk cannot hold 40 blobs of 100 KiB");
        refused!.StatusCode.Should().Be(HttpStatusCode.InsufficientStorage);
        refused.Reason().Should().Be(OutOfSpace);
        stored.Should().NotBeEmpty();
        await AssertReadsServedAndIndexMatchesFilesAsync(client, disk.Path, stored);
        await AssertDegradedAsync(client);
    }

    [Theory]
    [InlineData(1000)] // a small blob: its bytes are a row of the full database too
    [InlineData(BlossomRequests.StoredAsFileBytes)] // a file, removed again when its row cannot be written
    public async Task Upload_DatabaseDiskFull_507WithReason_BlobFileRemovedAgain(int size)
    {
        using var disk = TmpfsMount.Create("2m");
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Database:ConnectionString"] = $"Data Source={Path.Combine(disk.Path, "blossom.db")}",
        });
        var client = app.Start();
        var first = BlossomRequests.RandomBlob(size);
        await client.UploadAsync(_alice, first);
        disk.Fill();

        var data = BlossomRequests.RandomBlob(size);
        using var response = await client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));

        response.StatusCode.Should().Be(HttpStatusCode.InsufficientStorage);
        response.Reason().Should().Be(OutOfSpace);
        await AssertReadsServedAndIndexMatchesFilesAsync(client, app.StoragePath, [first]);
        await AssertDegradedAsync(client);
    }

    /// <summary>Every stored blob still downloads, and the folder holds exactly the blobs the index lists larger than the small ones the database holds.</summary>
    private async Task AssertReadsServedAndIndexMatchesFilesAsync(HttpClient client, string storagePath, IReadOnlyList<byte[]> stored)
    {
        foreach (var data in stored)
            (await client.GetByteArrayAsync($"/{BlossomRequests.Sha256(data)}")).Should().Equal(data);
        var listed = (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}"))!;
        var files = Directory.EnumerateFiles(storagePath, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Where(n => BlobHash.IsValid(n!));
        files.Should().BeEquivalentTo(listed.Where(b => b.Size > new StorageOptions().SmallBlobMaxBytes).Select(b => b.Sha256));
        listed.Select(b => b.Sha256).Should().BeEquivalentTo(stored.Select(BlossomRequests.Sha256));
        Directory.EnumerateFiles(Path.Combine(storagePath, ".tmp")).Should().BeEmpty();
    }

    /// <summary>Still alive for a load balancer that routes reads (200, Degraded), not ready for writes (503).</summary>
    private static async Task AssertDegradedAsync(HttpClient client)
    {
        using var health = await client.GetAsync("/healthz");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
        (await health.Content.ReadAsStringAsync()).Should().Be("Degraded");
        (await client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
    }
}
