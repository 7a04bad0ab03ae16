using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>The server on <c>Database:Provider=Postgres</c>: uploads, lists, deletes, reports and blocks answer as on SQLite.</summary>
[Collection(PostgresTestGroup.Name)]
public sealed class PostgresServerTests(PostgresServer postgres) : IAsyncLifetime, IDisposable
{
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();
    private readonly NostrSigner _operator = new();
    private BlossomApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Database:Provider"] = "Postgres",
            ["Blossom:Database:ConnectionString"] = await postgres.CreateDatabaseAsync(),
            ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey,
        });
        _client = _app.Start();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Healthz_DatabaseReachable_200() =>
        (await _client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);

    [Fact]
    public async Task Delete_SharedBlob_ListedForBothAndKeptUntilTheLastOwnerDeletes()
    {
        var data = BlossomRequests.RandomBlob();
        var blob = await _client.UploadAsync(_alice, data);
        await _client.UploadAsync(_bob, data);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().Equal(blob);

        using var first = await _client.SendAsync(Delete(blob.Sha256, _alice));
        using var afterFirst = await _client.GetAsync(blob.Url);
        using var second = await _client.SendAsync(Delete(blob.Sha256, _bob));

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        afterFirst.StatusCode.Should().Be(HttpStatusCode.OK);
        (await afterFirst.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        second.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}")).Should().BeEmpty();
    }

    [Fact]
    public async Task List_PagedByCursor_NewestFirst()
    {
        var uploaded = new List<BlobDescriptor>();
        for (var i = 0; i < 5; i++)
            uploaded.Add(await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(100 + i)));
        var expected = uploaded.OrderByDescending(b => b.Uploaded).ThenByDescending(b => b.Sha256, StringComparer.Ordinal).ToList();

        var pages = new List<BlobDescriptor>();
        string? cursor = null;
        BlobDescriptor[] page;
        do
        {
            page = (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}?limit=2" + (cursor is null ? "" : $"&cursor={cursor}")))!;
            pages.AddRange(page);
            cursor = page.LastOrDefault()?.Sha256;
        } while (page.Length > 0);

        pages.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task Delete_ByNonOwner_403AndBlobKept()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        using var response = await _client.SendAsync(Delete(blob.Sha256, _bob));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Contain("owner");
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Report_KeptForTheOperator_WhoBlocksTheUploader()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        var report = _bob.Sign(1984, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), [["x", blob.Sha256, "illegal"]], "This is not allowed");

        using var reported = await _client.PutAsync("/report", new StringContent(JsonSerializer.Serialize(report), Encoding.UTF8, "application/json"));
        using var block = Admin(HttpMethod.Put, $"/admin/blocked/{_alice.Pubkey}");
        block.Content = new StringContent("{\"reason\":\"illegal content\"}", Encoding.UTF8, "application/json");
        using var blocked = await _client.SendAsync(block);
        var data = BlossomRequests.RandomBlob();
        using var refused = await _client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));

        reported.StatusCode.Should().Be(HttpStatusCode.OK);
        (await reported.Content.ReadFromJsonAsync<ReportReceipt>())!.Reported.Should().Equal(blob.Sha256);
        var listed = (await (await _client.SendAsync(Admin(HttpMethod.Get, "/admin/reports"))).Content.ReadFromJsonAsync<AdminReport[]>())!;
        listed.Should().ContainSingle().Which.Should().BeEquivalentTo(new { report.Id, blob.Sha256, Reporter = _bob.Pubkey, Type = "illegal", Content = "This is not allowed" });
        blocked.StatusCode.Should().Be(HttpStatusCode.NoContent);
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Reason().Should().Be("Your pubkey is blocked on this server");
    }

    private HttpRequestMessage Admin(HttpMethod method, string path) => new HttpRequestMessage(method, path).WithToken(_operator.Token(AuthorizationVerb.Admin));

    private static HttpRequestMessage Delete(string sha256, NostrSigner signer) =>
        new HttpRequestMessage(HttpMethod.Delete, $"/{sha256}.bin").WithToken(signer.Token(AuthorizationVerb.Delete, [sha256]));
}
