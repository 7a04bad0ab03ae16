using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Core.Data.Sqlite;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Blossom.Tests.Data;

public sealed class SqliteDatabaseTests : IDisposable
{
    private static readonly IReadOnlyList<Migration> Migrations = EmbeddedMigrations.Load(SqliteDatabase.MigrationsFolder);
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-sqlite-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_root, "blossom.db")}";

    [Fact]
    public async Task MigrateAsync_EmptyDatabase_RecordsEveryScript()
    {
        var database = new SqliteDatabase(ConnectionString);

        await database.MigrateAsync(CancellationToken.None);

        (await database.AppliedMigrationsAsync(CancellationToken.None)).Should().Equal(Migrations.Select(m => m.Version));
    }

    [Fact]
    public async Task MigrateAsync_DatabaseTrackedByUserVersion7_KeepsItsRowsAndAppliesNothingTwice()
    {
        await using (var legacy = new SqliteConnection(ConnectionString))
        {
            await legacy.OpenAsync();
            foreach (var migration in Migrations.Where(m => m.Version <= 7))
                await legacy.ExecuteAsync(migration.Sql);
            await legacy.ExecuteAsync("PRAGMA user_version = 7;");
            await legacy.ExecuteAsync("INSERT INTO blobs (sha256, size, type, uploaded) VALUES ('ab', 3, 'text/plain', 100)");
        }
        var database = new SqliteDatabase(ConnectionString);

        await database.MigrateAsync(CancellationToken.None);
        await database.MigrateAsync(CancellationToken.None);

        (await database.AppliedMigrationsAsync(CancellationToken.None)).Should().Equal(Migrations.Select(m => m.Version));
        await using var connection = await database.OpenAsync(CancellationToken.None);
        (await connection.QuerySingleAsync<long>("SELECT size FROM blobs WHERE sha256 = 'ab'")).Should().Be(3);
    }

    [Fact]
    public async Task MigrateAsync_OwnedBlobsFromBeforeTheUsageTotals_SumsThemPerPubkey()
    {
        await using (var legacy = new SqliteConnection(ConnectionString))
        {
            await legacy.OpenAsync();
            foreach (var migration in Migrations.Where(m => m.Version < 12))
                await legacy.ExecuteAsync(migration.Sql);
            await legacy.ExecuteAsync("PRAGMA user_version = 11;");
            await legacy.ExecuteAsync(
                """
                INSERT INTO blobs (sha256, size, type, uploaded) VALUES ('a1', 3, 'text/plain', 100), ('a2', 3000000000, 'text/plain', 100);
                INSERT INTO owners (pubkey, sha256, uploaded, added) VALUES ('aa', 'a1', 100, 100), ('aa', 'a2', 100, 100), ('bb', 'a2', 100, 100);
                """);
        }
        var database = new SqliteDatabase(ConnectionString);

        await database.MigrateAsync(CancellationToken.None);

        var index = new SqliteBlobIndex(database, TimeProvider.System);
        (await index.UsageAsync("aa", "a2", CancellationToken.None)).Should().Be(new StorageUsage(3_000_000_003, true));
        (await index.UsageAsync("bb", "a1", CancellationToken.None)).Should().Be(new StorageUsage(3_000_000_000, false));
        (await index.UsageAsync("cc", null, CancellationToken.None)).Should().Be(new StorageUsage(0, false));
        (await index.RemoveOwnerAsync("a2", "aa", 100, CancellationToken.None)).Should().Be(OwnerRemoval.Removed);
        (await index.UsageAsync("aa", null, CancellationToken.None)).Should().Be(new StorageUsage(3, false));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task OpenAsync_Connection_CommitsDurablyAndWaitsForLocks()
    {
        var database = new SqliteDatabase(ConnectionString);
        await database.MigrateAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);

        // FULL (2) syncs the WAL at each commit; NORMAL (1) would lose the last commits to a power loss.
        (await connection.ExecuteScalarAsync<long>("PRAGMA synchronous")).Should().Be(2);
        (await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode")).Should().Be("wal");
        (await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout")).Should().Be(30000);
    }
}
