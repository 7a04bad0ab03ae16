using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Data.Sqlite;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Blossom.Tests.Policy;

/// <summary>What reports cost the SQLite database, and its migration of reports of the old schema.</summary>
public sealed partial class ReportTests
{
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

    /// <summary>The database file and its write-ahead log, where new rows land first.</summary>
    private static long DatabaseBytes(BlossomApplication app) =>
        new[] { "blossom.db", "blossom.db-wal" }.Select(f => new FileInfo(Path.Combine(app.DataRoot, f))).Where(f => f.Exists).Sum(f => f.Length);
}
