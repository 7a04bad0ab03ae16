using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Blossom.Core.Data.Sqlite;

/// <summary>Opens connections to the SQLite file and brings its schema up to date.</summary>
public sealed class SqliteDatabase : ISqlDatabase
{
    /// <summary>Where the SQLite scripts are embedded.</summary>
    public const string MigrationsFolder = "Blossom.Core.Data.Sqlite.Migrations.";

    private readonly string _connectionString;

    public SqliteDatabase(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            ForeignKeys = true,
            // Writers queue behind each other instead of failing with SQLITE_BUSY.
            DefaultTimeout = 30,
        };
        if (builder.DataSource is { Length: > 0 } file && builder.Mode != SqliteOpenMode.Memory && file != ":memory:")
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        _connectionString = builder.ToString();
        Commits = new(this);
    }

    public SqlDialect Dialect => SqlDialect.Sqlite;

    public SqlGroupCommit Commits { get; }

    /// <summary>One server process uses the file.</summary>
    public bool SharedByNodes => false;

    async Task<DbConnection> ISqlDatabase.OpenAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken);

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // SQLite's default synchronous level, FULL, is kept: it syncs the WAL at every commit, so a
        // commit that returned survives a power loss (NORMAL would not). Concurrent uploads share
        // their commits (SqlGroupCommit), so FULL costs one sync per batch. The busy timeout
        // is SQLite's own (short backoffs); DefaultTimeout alone retries a busy statement every 150 ms.
        // Set through the C API: the PRAGMA's parse on every open was 3 % of a small upload's CPU.
        SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, 30000);
        return connection;
    }

    /// <summary>
    /// Applies the embedded <c>NNN_name.sql</c> scripts not yet in <c>schema_migrations</c>, each in
    /// its own transaction with its row. A database from before that table tracked its version in
    /// <c>PRAGMA user_version</c>: the scripts up to that version are recorded as applied first.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var migrations = EmbeddedMigrations.Load(MigrationsFolder);
        var connection = await OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
            HashSet<int> applied;
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (transaction)
            {
                var tracked = await connection.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')", transaction: transaction);
                if (!tracked)
                {
                    await connection.ExecuteAsync(
                        "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)", transaction: transaction);
                    var legacyVersion = await connection.ExecuteScalarAsync<long>("PRAGMA user_version;", transaction: transaction);
                    await connection.ExecuteAsync(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (@Version, CAST(strftime('%s', 'now') AS INTEGER))",
                        migrations.Where(m => m.Version <= legacyVersion), transaction);
                }
                applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations", transaction: transaction)).ToHashSet();
                await transaction.CommitAsync(cancellationToken);
            }
            foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
            {
                var step = await connection.BeginTransactionAsync(cancellationToken);
                await using (step)
                {
                    await connection.ExecuteAsync(migration.Sql, transaction: step);
                    await connection.ExecuteAsync(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (@Version, CAST(strftime('%s', 'now') AS INTEGER))", migration, step);
                    await step.CommitAsync(cancellationToken);
                }
            }
        }
    }

    public async Task CheckReachableAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM sqlite_master", cancellationToken: cancellationToken));
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
}
