using System.Data.Common;
using Dapper;
using Npgsql;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// The PostgreSQL database every node of a server shares: a pool of connections, and its schema
/// brought up to date once however many nodes start at the same time.
/// </summary>
public sealed class PostgresDatabase : ISqlDatabase, IAsyncDisposable, IDisposable
{
    /// <summary>Where the PostgreSQL scripts are embedded.</summary>
    public const string MigrationsFolder = "Blossom.Core.Data.Postgres.Migrations.";

    // An arbitrary constant of this application's: the session advisory lock that lets one node migrate while the others wait.
    private const long MigrationLock = 0x426c6f73736f6d01;

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "blossom";
        DataSource = builder.Build();
        Commits = new(this);
    }

    /// <summary>The pool, for what needs more than a connection (LISTEN, advisory locks held across calls).</summary>
    public NpgsqlDataSource DataSource { get; }

    public SqlDialect Dialect => SqlDialect.Postgres;

    public SqlGroupCommit Commits { get; }

    /// <summary>Every node of the server uses it at once.</summary>
    public bool SharedByNodes => true;

    async Task<DbConnection> ISqlDatabase.OpenAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// Applies the embedded <c>NNN_name.sql</c> scripts not yet in <c>schema_migrations</c>, each in
    /// its own transaction with its row. A session advisory lock makes nodes that start together
    /// take turns: the first migrates, the others then find nothing left to do.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@MigrationLock)", new { MigrationLock }, cancellationToken: cancellationToken));
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    cancellationToken: cancellationToken));
                var applied = (await connection.QueryAsync<int>(new CommandDefinition("SELECT version FROM schema_migrations", cancellationToken: cancellationToken))).ToHashSet();
                foreach (var migration in EmbeddedMigrations.Load(MigrationsFolder).Where(m => !applied.Contains(m.Version)))
                {
                    var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await using (transaction)
                    {
                        await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                        await connection.ExecuteAsync(new CommandDefinition(
                            "INSERT INTO schema_migrations (version) VALUES (@Version)", migration, transaction, cancellationToken: cancellationToken));
                        await transaction.CommitAsync(cancellationToken);
                    }
                }
            }
            finally
            {
                // Also released when the pool resets the session; unlocking here lets a waiting node go on at once.
                if (connection.State == System.Data.ConnectionState.Open)
                    await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@MigrationLock)", new { MigrationLock }, cancellationToken: CancellationToken.None));
            }
        }
    }

    /// <summary>The versions applied so far, in order.</summary>
    public async Task<IReadOnlyList<int>> AppliedMigrationsAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using (connection)
        {
            return (await connection.QueryAsync<int>(new CommandDefinition("SELECT version FROM schema_migrations ORDER BY version", cancellationToken: cancellationToken))).AsList();
        }
    }

    public async Task CheckReachableAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
