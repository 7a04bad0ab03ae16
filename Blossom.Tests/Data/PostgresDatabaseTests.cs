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
}
