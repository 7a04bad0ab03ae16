using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Data.Sqlite;
using Blossom.Server.Endpoints;
using Blossom.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Blossom.Tests.Policy;

/// <summary>BUD-09 reports: what is kept, what is refused, and what a flood of them costs the server.</summary>
public sealed class ReportTests
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

    [Fact]
    public async Task Report_HundredsOfTagsAndLargeContent_RefusedAndTheDatabaseBarelyGrows()
    {
        using var app = Server();
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        List<IReadOnlyList<string>> tags = [["x", blob.Sha256, "spam"], .. Enumerable.Range(0, 149).Select(_ => (IReadOnlyList<string>)["x", RandomHash(), "spam"])];
        var before = DatabaseBytes(app);

        using var response = await client.PutAsync("/report", Json(_reporter.Sign(1984, Now(), tags, new string('z', 2000))));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().Be("A report names at most 20 blobs in x tags");
        (DatabaseBytes(app) - before).Should().BeLessThan(8 * 1024);
        (await AdminReportsAsync(client)).Should().BeEmpty();
    }

    [Fact]
    public async Task Report_LargestAcceptedReport_StoredOnce_AndRepeatsAddNothing()
    {
        using var app = Server();
        var client = app.Start();
        var blobs = new List<string>();
        for (var i = 0; i < 20; i++)
            blobs.Add((await client.UploadAsync(_alice, BlossomRequests.RandomBlob())).Sha256);
        var before = DatabaseBytes(app);

        for (var i = 0; i < 10; i++)
        {
            // Each a new event (created_at differs) about the same blobs from the same reporter.
            using var response = await client.PutAsync("/report", Json(_reporter.Sign(1984, Now() - i, [.. blobs.Select(b => (IReadOnlyList<string>)["x", b, "spam"])], new string('z', 2000))));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadFromJsonAsync<ReportReceipt>())!.Reported.Should().HaveCount(i == 0 ? 20 : 0);
        }

        (DatabaseBytes(app) - before).Should().BeLessThan(64 * 1024, "one event and 20 small rows, whatever the repeats");
        (await AdminReportsAsync(client)).Should().HaveCount(20).And.OnlyContain(r => r.Content.Length == 2000);
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

    [Fact]
    public async Task Report_RowsOfTheOldSchema_MigratedOneEventEach()
    {
        var root = Directory.CreateTempSubdirectory("blossom-test-").FullName;
        var (blobA, blobB) = (RandomHash(), RandomHash());
        var spam = _reporter.Sign(1984, Now(), [["x", blobA, "spam"], ["x", blobB, "spam"]], "two blobs");
        var again = _reporter.Sign(1984, Now() + 1, [["x", blobA, "illegal"]], "again");
        await CreateVersion4DatabaseAsync(Path.Combine(root, "blossom.db"), [
            (spam, blobA, "spam", 100), (spam, blobB, "spam", 100), (again, blobA, "illegal", 200)]);
        var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey }, dataRoot: root);
        try
        {
            var client = app.Start();

            var kept = await AdminReportsAsync(client);

            kept.Select(r => (r.Id, r.Sha256, r.Type, r.Content, r.Received)).Should().BeEquivalentTo(
                [(spam.Id, blobA, "spam", "two blobs", 100L), (spam.Id, blobB, "spam", "two blobs", 100L)],
                "the same reporter's later report of the same blob is a repeat");
            kept.Should().OnlyContain(r => r.Event.GetProperty("id").GetString() == spam.Id);
        }
        finally
        {
            app.Dispose();
            SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A database as migrations 001 to 004 left it, with reports stored one row per blob.</summary>
    private static async Task CreateVersion4DatabaseAsync(string path, IEnumerable<(NostrEvent Event, string Sha256, string Kind, long Received)> reports)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        var assembly = typeof(SqliteDatabase).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(SqliteDatabase.MigrationsFolder, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Take(4))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            await Execute(connection, await reader.ReadToEndAsync());
        }
        await Execute(connection, "PRAGMA user_version = 4;");
        foreach (var (e, sha256, kind, received) in reports)
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO reports (event_id, sha256, reporter, kind, content, event, received) VALUES ($id, $sha256, $reporter, $kind, $content, $event, $received)";
            insert.Parameters.AddWithValue("$id", e.Id);
            insert.Parameters.AddWithValue("$sha256", sha256);
            insert.Parameters.AddWithValue("$reporter", e.Pubkey);
            insert.Parameters.AddWithValue("$kind", kind);
            insert.Parameters.AddWithValue("$content", e.Content);
            insert.Parameters.AddWithValue("$event", JsonSerializer.Serialize(e));
            insert.Parameters.AddWithValue("$received", received);
            await insert.ExecuteNonQueryAsync();
        }

        static async Task Execute(SqliteConnection connection, string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
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

    /// <summary>The database file and its write-ahead log, where new rows land first.</summary>
    private static long DatabaseBytes(BlossomApplication app) =>
        new[] { "blossom.db", "blossom.db-wal" }.Select(f => new FileInfo(Path.Combine(app.DataRoot, f))).Where(f => f.Exists).Sum(f => f.Length);

    private static string RandomHash() => BlossomRequests.Sha256(BlossomRequests.RandomBlob(16));

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static StringContent Json(NostrEvent e) => new(JsonSerializer.Serialize(e), Encoding.UTF8, "application/json");
}
