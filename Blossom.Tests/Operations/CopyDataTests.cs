using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Blossom.Core.Auth;
using Blossom.Core.Data.Sqlite;
using Blossom.Core.Moderation;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Data.Sqlite;

namespace Blossom.Tests.Operations;

/// <summary>
/// <c>copy-data</c>: a server on a folder and SQLite moved to S3 and PostgreSQL, as an operator
/// would do it, and what its users see afterwards.
/// </summary>
[Collection(PostgresTestGroup.Name)]
public sealed class CopyDataTests(PostgresServer postgres, S3Server s3) : IClassFixture<S3Server>, IDisposable
{
    private const string PublicUrl = "https://blobs.example";
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-copy-").FullName;
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();
    private readonly NostrSigner _carol = new();
    private readonly NostrSigner _operator = new();

    private string SourceRoot => Path.Combine(_root, "old");

    [Fact]
    public async Task CopyData_FolderAndSqliteIntoS3AndPostgres_UsersSeeTheSameBlobsOwnersAndBlocks()
    {
        var alicesBlob = BlossomRequests.RandomBlob();
        var bobsPicture = MediaSamples.PngWithAlpha(320, 240);
        // Small blobs are rows of the source database, larger ones files: both kinds are carried over.
        var shared = BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes);
        BlobDescriptor sharedByAlice;
        BlobDescriptor[] alicesList, bobsList;
        AdminReport[] reports;
        BlockedPubkey[] blocked;
        BlockedBlob[] blockedBlobs;
        var unwanted = BlossomRequests.RandomBlob();
        using (var old = new BlossomApplication(Settings(), Directory.CreateDirectory(SourceRoot).FullName))
        {
            var client = old.Start();
            await client.UploadAsync(_alice, alicesBlob, "text/plain");
            await client.UploadAsync(_bob, bobsPicture, "image/png");
            sharedByAlice = await client.UploadAsync(_alice, shared);
            await client.UploadAsync(_bob, shared);
            using var block = Admin(HttpMethod.Put, $"/admin/blocked/{_carol.Pubkey}");
            block.Content = new StringContent("{\"reason\":\"spam\"}", Encoding.UTF8, "application/json");
            (await client.SendAsync(block)).StatusCode.Should().Be(HttpStatusCode.NoContent);
            (await client.SendAsync(Admin(HttpMethod.Put, $"/admin/blocked-blobs/{BlossomRequests.Sha256(unwanted)}"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
            var report = _bob.Sign(1984, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), [["x", BlossomRequests.Sha256(alicesBlob), "spam"]], "Spam");
            (await client.PutAsync("/report", new StringContent(JsonSerializer.Serialize(report), Encoding.UTF8, "application/json"))).StatusCode.Should().Be(HttpStatusCode.OK);

            alicesList = (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}"))!;
            bobsList = (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}"))!;
            reports = (await (await client.SendAsync(Admin(HttpMethod.Get, "/admin/reports"))).Content.ReadFromJsonAsync<AdminReport[]>())!;
            blocked = (await (await client.SendAsync(Admin(HttpMethod.Get, "/admin/blocked"))).Content.ReadFromJsonAsync<BlockedPubkey[]>())!;
            blockedBlobs = (await (await client.SendAsync(Admin(HttpMethod.Get, "/admin/blocked-blobs"))).Content.ReadFromJsonAsync<BlockedBlob[]>())!;
        }
        SqliteConnection.ClearAllPools();
        bobsList.Should().Contain(d => d.Nip94!.Any(t => t[0] == "dim"), "the picture's metadata is part of what must move");

        var bucket = await s3.CreateBucketAsync();
        var destination = s3.Settings(bucket).ToDictionary(s => s.Key["Blossom:".Length..], s => s.Value!);
        destination["Database:Provider"] = "Postgres";
        destination["Database:ConnectionString"] = await postgres.CreateDatabaseAsync();
        // As an interrupted earlier run would leave it: one blob's bytes in the bucket, no index entry yet.
        await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = sharedByAlice.Sha256, InputStream = new MemoryStream(shared), UseChunkEncoding = false });

        var first = await CopyAsync(destination);
        var again = await CopyAsync(destination);

        first.ExitCode.Should().Be(0, first.Output);
        Logged(first.Output, typeof(Blossom.Server.CopyDataCommand).FullName!, Done).Should().Contain(new Dictionary<string, string>
        {
            ["Blobs"] = "3", ["CopiedBlobs"] = "2", ["CopiedBytes"] = (alicesBlob.Length + bobsPicture.Length).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        again.ExitCode.Should().Be(0, again.Output);
        Logged(again.Output, typeof(Blossom.Server.CopyDataCommand).FullName!, Done).Should().Contain(new Dictionary<string, string> { ["Blobs"] = "3", ["CopiedBlobs"] = "0", ["CopiedBytes"] = "0" });
        Logged(again.Output, typeof(Blossom.Core.Migration.DataCopy).FullName!, ModerationCopied).Should().Contain(new Dictionary<string, string> { ["Blocks"] = "2", ["Reports"] = "0" });
        // Alice's 1 KiB blob is a small blob, a row of the destination database as it was of the source's.
        (await s3.KeysAsync(bucket)).Should().BeEquivalentTo([BlossomRequests.Sha256(bobsPicture), sharedByAlice.Sha256]);

        var settings = Settings();
        foreach (var (key, value) in destination)
            settings["Blossom:" + key] = value;
        using var moved = new BlossomApplication(settings);
        var mover = moved.Start();
        foreach (var data in new[] { alicesBlob, bobsPicture, shared })
            (await mover.GetByteArrayAsync($"/{BlossomRequests.Sha256(data)}")).Should().Equal(data);
        (await mover.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEquivalentTo(alicesList, o => o.WithStrictOrdering());
        (await mover.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}")).Should().BeEquivalentTo(bobsList, o => o.WithStrictOrdering());
        // As JSON: the signed event is a JsonElement, which compares by reference.
        JsonSerializer.Serialize(await (await mover.SendAsync(Admin(HttpMethod.Get, "/admin/reports"))).Content.ReadFromJsonAsync<AdminReport[]>()).Should().Be(JsonSerializer.Serialize(reports));
        (await (await mover.SendAsync(Admin(HttpMethod.Get, "/admin/blocked"))).Content.ReadFromJsonAsync<BlockedPubkey[]>()).Should().Equal(blocked);
        (await (await mover.SendAsync(Admin(HttpMethod.Get, "/admin/blocked-blobs"))).Content.ReadFromJsonAsync<BlockedBlob[]>()).Should().Equal(blockedBlobs).And.ContainSingle();
        using var unwantedAgain = await mover.SendAsync(BlossomRequests.Upload(unwanted, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(unwanted)])));
        unwantedAgain.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var carols = BlossomRequests.RandomBlob();
        using var refused = await mover.SendAsync(BlossomRequests.Upload(carols, _carol.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(carols)])));
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Reason().Should().Be("Your pubkey is blocked on this server");

        // Signed when Alice uploaded, before the copy: her ownership kept its time, so the delete applies.
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/{sharedByAlice.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [sharedByAlice.Sha256], createdAt: sharedByAlice.Uploaded));
        (await mover.SendAsync(delete)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await mover.GetByteArrayAsync($"/{sharedByAlice.Sha256}")).Should().Equal(shared, "Bob still owns it");
        (await mover.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle().Which.Sha256.Should().Be(BlossomRequests.Sha256(alicesBlob));
    }

    [Fact]
    public async Task CopyData_MissingSourceFolder_Exit2NamingIt()
    {
        var (exitCode, output) = await ServerProcess.RunAsync(Directory.CreateDirectory(SourceRoot).FullName, null,
            "copy-data", "--from-storage-path", Path.Combine(_root, "nowhere"), "--from-sqlite", "Data Source=blossom.db");

        exitCode.Should().Be(2);
        output.Should().Contain("--from-storage-path: no folder at").And.Contain("Usage: dotnet Blossom.Server.dll copy-data");
    }

    [Fact]
    public async Task CopyData_UnreachableDestination_Exit1SayingWhy()
    {
        Directory.CreateDirectory(Path.Combine(SourceRoot, "blobs"));
        var database = new SqliteDatabase($"Data Source={Path.Combine(SourceRoot, "blossom.db")}");
        await database.MigrateAsync(CancellationToken.None);
        SqliteConnection.ClearAllPools();

        var (exitCode, output) = await CopyAsync(new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["Database:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=blossom;Database=blossom",
        });

        exitCode.Should().Be(1, output);
        output.Should().Contain("copy-data failed: ").And.Contain("127.0.0.1:1");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The command's closing summary (its counts; it also says media tasks are not copied).</summary>
    private const int Done = 10;

    /// <summary>What the copy says of blocks and reports.</summary>
    private const int ModerationCopied = 1;

    /// <summary>
    /// The command, run in a folder of its own with <paramref name="destination"/> as its settings; it
    /// logs JSON lines, so the test reads each summary's counts rather than its wording.
    /// </summary>
    private Task<(int ExitCode, string Output)> CopyAsync(IReadOnlyDictionary<string, string> destination) =>
        ServerProcess.RunAsync(Directory.CreateDirectory(Path.Combine(_root, "new")).FullName, new Dictionary<string, string>(destination) { ["Logs:Format"] = "Json" },
            "copy-data", "--from-storage-path", Path.Combine(SourceRoot, "blobs"), "--from-sqlite", $"Data Source={Path.Combine(SourceRoot, "blossom.db")}");

    /// <summary>The named values of the one entry with <paramref name="eventId"/> from <paramref name="category"/> among JSON log lines.</summary>
    private static Dictionary<string, string> Logged(string output, string category, int eventId)
    {
        var entries = output.Split('\n').Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("Category").GetString() == category && e.GetProperty("EventId").GetInt32() == eventId)
            .ToList();
        entries.Should().ContainSingle("{0} logs event {1} once:\n{2}", category, eventId, output);
        return entries[0].GetProperty("State").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Blossom:PublicUrl"] = PublicUrl,
        ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey,
    };

    private HttpRequestMessage Admin(HttpMethod method, string path) => new HttpRequestMessage(method, path).WithToken(_operator.Token(AuthorizationVerb.Admin));
}
