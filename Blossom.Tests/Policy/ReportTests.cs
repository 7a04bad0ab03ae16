using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Policy;

/// <summary>BUD-09 reports: what is kept, what is refused, and what a flood of them costs the server.</summary>
public sealed partial class ReportTests
{
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _reporter = new();
    private readonly NostrSigner _operator = new();

    private BlossomApplication Server(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey, ["Blossom:RateLimit:ReportsPerIpPerMinute"] = "0" };
        foreach (var (key, value) in more)
            settings[key] = value;
        return new BlossomApplication(settings);
    }

    [Theory]
    [InlineData("too many blobs", 400, "A report names at most 20 blobs in x tags")]
    [InlineData("long content", 413, "A report's content is at most 2000 characters")]
    [InlineData("large event", 413, "A report event is at most 16384 bytes")]
    public async Task Report_BeyondTheLimits_RefusedWithReason(string what, int status, string reason)
    {
        using var app = Server();
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        List<IReadOnlyList<string>> tags = [["x", blob.Sha256]];
        if (what == "too many blobs")
            tags.AddRange(Enumerable.Range(0, 20).Select(_ => (IReadOnlyList<string>)["x", RandomHash()]));
        if (what == "large event")
            tags.AddRange(Enumerable.Range(0, 250).Select(_ => (IReadOnlyList<string>)["e", RandomHash()]));
        var report = _reporter.Sign(1984, Now(), tags, what == "long content" ? new string('z', 2001) : "spam");

        using var response = await client.PutAsync("/report", Json(report));

        ((int)response.StatusCode).Should().Be(status);
        response.Reason().Should().Be(reason);
        (await AdminReportsAsync(client)).Should().BeEmpty();
    }

    [Fact]
    public async Task Report_ChunkedBodyBeyondTheCap_413WithoutReadingItAll()
    {
        using var app = Server();
        app.Start();

        var (head, sent) = await ChunkedBody.PutAsync(app.BaseAddress, "/report", "Content-Type: application/json\r\n", "{\"kind\":1984,\"content\":\"", 64 * 1024 * 1024);

        head.Should().StartWith("HTTP/1.1 413 ");
        head.Should().Contain("X-Reason: A report event is at most 16384 bytes");
        head.Should().Contain("Connection: close", "the rest of the body is not drained");
        sent.Should().BeLessThan(8 * 1024 * 1024, "the server stops reading at the cap");
    }

    [Fact]
    public async Task Report_NoneOfOurBlobs_404WithReason_NothingKept()
    {
        using var app = Server();
        var client = app.Start();

        using var response = await client.PutAsync("/report", Json(_reporter.Sign(1984, Now(), [["x", RandomHash(), "spam"], ["x", RandomHash()]], "spam")));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Reason().Should().Be("None of the reported blobs is stored on this server");
        (await AdminReportsAsync(client)).Should().BeEmpty();
    }

    [Fact]
    public async Task Report_SomeOfOurBlobs_OnlyThoseKept()
    {
        using var app = Server();
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        using var response = await client.PutAsync("/report", Json(_reporter.Sign(1984, Now(), [["x", RandomHash(), "spam"], ["x", blob.Sha256, "malware"]], "bad")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<ReportReceipt>())!.Reported.Should().Equal(blob.Sha256);
        (await AdminReportsAsync(client)).Should().ContainSingle().Which.Should().BeEquivalentTo(new { Sha256 = blob.Sha256, Type = "malware", Content = "bad" });
    }

    [Fact]
    public async Task Report_Repeats_200ButOnlyNewBlobsAndReportersKept()
    {
        using var app = Server();
        var client = app.Start();
        var first = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        var second = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        var report = _reporter.Sign(1984, Now(), [["x", first.Sha256, "spam"]], "spam");

        var original = await ReportAsync(client, report);
        var sameEventAgain = await ReportAsync(client, report);
        var newEventSameBlob = await ReportAsync(client, _reporter.Sign(1984, Now() + 1, [["x", first.Sha256, "illegal"]], "really"));
        var addsABlob = await ReportAsync(client, _reporter.Sign(1984, Now() + 2, [["x", first.Sha256], ["x", second.Sha256, "spam"]], "both"));
        var otherReporter = await ReportAsync(client, new NostrSigner().Sign(1984, Now(), [["x", first.Sha256, "spam"]], "me too"));

        original.Should().Equal(first.Sha256);
        sameEventAgain.Should().BeEmpty();
        newEventSameBlob.Should().BeEmpty();
        addsABlob.Should().Equal(second.Sha256);
        otherReporter.Should().Equal(first.Sha256);
        var kept = await AdminReportsAsync(client);
        kept.Select(r => (r.Sha256, r.Content)).Should().BeEquivalentTo([(first.Sha256, "spam"), (second.Sha256, "both"), (first.Sha256, "me too")]);
        var detail = (await (await client.SendAsync(Admin(HttpMethod.Get, $"/admin/blobs/{first.Sha256}"))).Content.ReadFromJsonAsync<AdminBlob>())!;
        detail.Reports.Should().HaveCount(2);
    }

    [Fact]
    public async Task Report_BeyondThePerIpLimit_429WithRetryAfter()
    {
        using var app = Server(("Blossom:RateLimit:ReportsPerIpPerMinute", "2"));
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await client.PutAsync("/report", Json(new NostrSigner().Sign(1984, Now(), [["x", blob.Sha256, "spam"]], "spam")));
            statuses.Add(last.StatusCode);
        }

        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        last!.Headers.RetryAfter!.Delta.Should().BePositive();
        last.Reason().Should().Be("Too many requests; slow down");
        last.Dispose();
        (await AdminReportsAsync(client)).Should().HaveCount(2);
    }

    private static async Task<IReadOnlyList<string>> ReportAsync(HttpClient client, NostrEvent report)
    {
        using var response = await client.PutAsync("/report", Json(report));
        response.StatusCode.Should().Be(HttpStatusCode.OK, response.Reason());
        return (await response.Content.ReadFromJsonAsync<ReportReceipt>())!.Reported;
    }

    private async Task<AdminReport[]> AdminReportsAsync(HttpClient client)
    {
        using var response = await client.SendAsync(Admin(HttpMethod.Get, "/admin/reports?limit=1000"));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<AdminReport[]>())!;
    }

    private HttpRequestMessage Admin(HttpMethod method, string path) => new HttpRequestMessage(method, path).WithToken(_operator.Token(AuthorizationVerb.Admin));

    private static string RandomHash() => BlossomRequests.Sha256(BlossomRequests.RandomBlob(16));

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static StringContent Json(NostrEvent e) => new(JsonSerializer.Serialize(e), Encoding.UTF8, "application/json");
}
