using Dapper;
using Microsoft.Data.Sqlite;

namespace Blossom.Core.Data.Sqlite;

/// <summary>Opens connections to the SQLite file and brings its schema up to date.</summary>
public sealed class SqliteDatabase
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
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Per-connection settings: NORMAL is durable in WAL mode up to the last checkpointed commit.
        await connection.ExecuteAsync("PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;").ConfigureAwait(false);
        return connection;
    }

    /// <summary>Applies the embedded <c>NNN_name.sql</c> scripts above <c>PRAGMA user_version</c>, each in its own transaction.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;").ConfigureAwait(false);
            var current = await connection.ExecuteScalarAsync<long>("PRAGMA user_version;").ConfigureAwait(false);
            foreach (var (version, _, sql) in EmbeddedMigrations.Load(MigrationsFolder).Where(m => m.Version > current))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await connection.ExecuteAsync(sql, transaction: transaction).ConfigureAwait(false);
                    await connection.ExecuteAsync($"PRAGMA user_version = {version};", transaction: transaction).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
