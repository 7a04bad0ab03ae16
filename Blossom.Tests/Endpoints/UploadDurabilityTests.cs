using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>
/// An acknowledged upload survives the server's death: concurrent uploads share their fsyncs and
/// commits, and none may be answered before its own bytes, name and row are durable (a small blob's
/// bytes being a row of the database, committed before its index row).
/// </summary>
/// <remarks>
/// A kill keeps the page cache, so this shows the ordering (no answer before the row, no row before
/// the file) and the restart's clean-up, not the syncs themselves; what makes the same hold across a
/// power loss is the fsync order described on FileSystemBlobStore and SQLite's FULL synchronous
/// level (SqliteDatabaseTests).
/// </remarks>
public sealed class UploadDurabilityTests : IDisposable
{
    private static readonly Dictionary<string, string> LoadSettings = new()
    {
        ["RateLimit:PerIpPerMinute"] = "0",
        ["RateLimit:PerPubkeyPerMinute"] = "0",
    };

    private readonly NostrSigner _alice = new();
    private readonly string _dataRoot = Directory.CreateTempSubdirectory("blossom-durable-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataRoot, recursive: true);
    }

    [Fact]
    public async Task ServerKilledDuringConcurrentUploads_EveryAcknowledgedUploadIsServedAndListedAfterRestart()
    {
        var acknowledged = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        var sent = 0;
        using (var first = await ServerProcess.StartAsync(_dataRoot, LoadSettings))
        {
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    // Every other one small, a row of the database, the rest files: both kinds of commit race the kill.
                    var data = BlossomRequests.RandomBlob(Interlocked.Increment(ref sent) % 2 == 0 ? 1024 : BlossomRequests.StoredAsFileBytes);
                    using var request = BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]));
                    try
                    {
                        using var response = await first.Client.SendAsync(request, stop.Token);
                        if (response.StatusCode == HttpStatusCode.Created)
                            acknowledged[BlossomRequests.Sha256(data)] = data;
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or System.Net.Sockets.SocketException)
                    {
                        // The kill cut this upload off: it was never acknowledged, so nothing is promised about it.
                        // A socket that dies while the body is being written surfaces as it is, not wrapped.
                    }
                }
            })).ToArray();
            await Poll.UntilAsync(() => acknowledged.Values.Count(d => d.Length == 1024) >= 100 && acknowledged.Count >= 200, "200 uploads acknowledged, 100 of them small");

            first.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(clients);
        }

        using var second = await ServerProcess.StartAsync(_dataRoot, LoadSettings);
        foreach (var (sha256, data) in acknowledged)
        {
            using var response = await second.Client.GetAsync($"/{sha256}");
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"{sha256} was acknowledged before the kill");
            (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        }
        var listed = new List<BlobDescriptor>();
        for (BlobDescriptor[] page; (page = (await second.Client.GetFromJsonAsync<BlobDescriptor[]>(
            $"/list/{_alice.Pubkey}" + (listed.Count > 0 ? $"?cursor={listed[^1].Sha256}" : "")))!).Length > 0;)
            listed.AddRange(page);
        listed.Select(b => b.Sha256).Should().Contain(acknowledged.Keys);
        // An upload cut off after its commit may be listed too, but only with its whole, right bytes.
        foreach (var blob in listed)
            BlossomRequests.Sha256(await second.Client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Be(blob.Sha256);
        Directory.EnumerateFiles(Path.Combine(_dataRoot, "blobs", ".tmp")).Should().BeEmpty("a temp file of an interrupted upload is never a blob");
    }
}
