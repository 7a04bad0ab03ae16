using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Core.Data.Postgres;
using Blossom.Tests.Infrastructure;
using Dapper;

namespace Blossom.Tests.Data;

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresDatabaseTests(PostgresServer server)
{
    private static readonly int[] Versions = [.. EmbeddedMigrations.Load(PostgresDatabase.MigrationsFolder).Select(m => m.Version)];

    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryScriptInOrder()
    {
        await using var database = new PostgresDatabase(await server.CreateDatabaseAsync());

        await database.MigrateAsync(CancellationToken.None);

        (await database.AppliedMigrationsAsync(CancellationToken.None)).Should().Equal(Versions);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var tables = await connection.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
        tables.Should().Contain(["blobs", "owners", "media_tasks", "media_results", "blocked_pubkeys", "report_events", "blob_reports"]);
    }

    [Fact]
    public async Task MigrateAsync_SecondStart_AppliesNothingAgain()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using (var first = new PostgresDatabase(connectionString))
            await first.MigrateAsync(CancellationToken.None);

        await using var second = new PostgresDatabase(connectionString);
        await second.MigrateAsync(CancellationToken.None);

        (await second.AppliedMigrationsAsync(CancellationToken.None)).Should().Equal(Versions);
    }

    [Fact]
    public async Task MigrateAsync_NodesStartingTogether_MigrateOnce()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var nodes = Enumerable.Range(0, 4).Select(_ => new PostgresDatabase(connectionString)).ToList();
        try
        {
            await Task.WhenAll(nodes.Select(n => n.MigrateAsync(CancellationToken.None)));

            (await nodes[0].AppliedMigrationsAsync(CancellationToken.None)).Should().Equal(Versions);
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task MigrateAsync_OwnedBlobsFromBeforeTheUsageTotals_SumsThemPerPubkey()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var database = new PostgresDatabase(connectionString);
        await using (var legacy = await database.OpenAsync(CancellationToken.None))
        {
            await legacy.ExecuteAsync("CREATE TABLE schema_migrations (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
            foreach (var migration in EmbeddedMigrations.Load(PostgresDatabase.MigrationsFolder).Where(m => m.Version < 15))
            {
                await legacy.ExecuteAsync(migration.Sql);
                await legacy.ExecuteAsync("INSERT INTO schema_migrations (version) VALUES (@Version)", migration);
            }
            await legacy.ExecuteAsync(
                """
                INSERT INTO blobs (sha256, size, type, uploaded) VALUES ('a1', 3, 'text/plain', 100), ('a2', 3000000000, 'text/plain', 100);
                INSERT INTO owners (pubkey, sha256, uploaded, added) VALUES ('aa', 'a1', 100, 100), ('aa', 'a2', 100, 100), ('bb', 'a2', 100, 100);
                """);
        }

        await database.MigrateAsync(CancellationToken.None);

        var index = new PostgresBlobIndex(database, TimeProvider.System);
        (await index.UsageAsync("aa", "a2", CancellationToken.None)).Should().Be(new StorageUsage(3_000_000_003, true));
        (await index.UsageAsync("bb", "a1", CancellationToken.None)).Should().Be(new StorageUsage(3_000_000_000, false));
        (await index.UsageAsync("cc", null, CancellationToken.None)).Should().Be(new StorageUsage(0, false));
        (await index.RemoveOwnerAsync("a2", "aa", 100, CancellationToken.None)).Should().Be(OwnerRemoval.Removed);
        (await index.UsageAsync("aa", null, CancellationToken.None)).Should().Be(new StorageUsage(3, false));
    }
}
