using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Policy;

/// <summary>
/// Two server nodes on one PostgreSQL database and one blob folder: a pubkey's quota and a blob's
/// commit and delete hold across them as on one server.
/// </summary>
[Collection(PostgresTestGroup.Name)]
public sealed class TwoNodeIngestTests(PostgresServer postgres) : IDisposable
{
    private readonly NostrSigner _alice = new();
    private readonly string _shared = Directory.CreateTempSubdirectory("blossom-nodes-").FullName;

    public void Dispose() => Directory.Delete(_shared, recursive: true);

    [Fact]
    public async Task Quota_SecondUploadThroughTheOtherNode_413WithReason()
    {
        var (a, b) = await StartNodesAsync(quotaBytes: 3000);
        using (a.App)
        using (b.App)
        {
            await a.Client.UploadAsync(_alice, BlossomRequests.RandomBlob(2000));

            var second = BlossomRequests.RandomBlob(2000);
            using var refused = await b.Client.SendAsync(BlossomRequests.Upload(second, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(second)])));

            refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
            refused.Reason().Should().Be("Storage quota exceeded: your blobs take 2000 of 3000 bytes and this one needs 2000");
        }
    }

    [Fact]
    public async Task Quota_TwentyConcurrentUploadsThroughBothNodes_StoredTotalStaysWithinIt()
    {
        const int quota = 1024 * 1024;
        var (a, b) = await StartNodesAsync(quota);
        using (a.App)
        using (b.App)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            {
                var data = BlossomRequests.RandomBlob(100 * 1024);
                var client = i % 2 == 0 ? a.Client : b.Client;
                using var response = await client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
                return (response.StatusCode, Reason: response.Reason());
            }));

            var listed = await b.Client.GetFromJsonAsync<JsonElement>($"/list/{_alice.Pubkey}");
            listed.EnumerateArray().Sum(blob => blob.GetProperty("size").GetInt64()).Should().BeLessThanOrEqualTo(quota);
            responses.Count(r => r.StatusCode == HttpStatusCode.Created).Should().Be(listed.GetArrayLength()).And.Be(10);
            responses.Where(r => r.StatusCode != HttpStatusCode.Created).Should().AllSatisfy(r =>
            {
                r.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
                r.Reason.Should().StartWith("Storage quota exceeded:");
            });
        }
    }

    [Fact]
    public async Task Delete_ThroughTheOtherNode_GoneOnBoth()
    {
        var (a, b) = await StartNodesAsync(quotaBytes: 0);
        using (a.App)
        using (b.App)
        {
            var blob = await a.Client.UploadAsync(_alice, BlossomRequests.RandomBlob());

            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}").WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256]));
            using var deleted = await b.Client.SendAsync(delete);

            deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);
            (await a.Client.GetAsync($"/{blob.Sha256}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
    }

    private async Task<((BlossomApplication App, HttpClient Client) A, (BlossomApplication App, HttpClient Client) B)> StartNodesAsync(long quotaBytes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Blossom:Database:Provider"] = "Postgres",
            ["Blossom:Database:ConnectionString"] = await postgres.CreateDatabaseAsync(),
            ["Blossom:Upload:QuotaBytesPerPubkey"] = quotaBytes.ToString(CultureInfo.InvariantCulture),
            ["Blossom:Media:Enabled"] = "false",
        };
        var a = new BlossomApplication(settings, _shared);
        var b = new BlossomApplication(settings, _shared);
        return ((a, a.Start()), (b, b.Start()));
    }
}
