using System.Data;
using Dapper;
using Npgsql;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// Exclusive sections shared by every node on one database: a transaction-scoped advisory lock on a
/// connection held for the section. PostgreSQL ends the lock with the transaction, so a node that
/// dies, or a connection that breaks, never leaves a section taken.
/// </summary>
/// <remarks>
/// Each user has a pool of its own: a holder often needs another connection inside its section
/// (the index's), and were both drawn from one pool, holders could take every connection and wait
/// forever for one more. Sections of different users nest only one way (quota, then blob, then
/// the index), so their pools cannot wait on each other in a circle.
/// </remarks>
internal sealed class PostgresAdvisoryLocks : IAsyncDisposable
{
    private readonly NpgsqlDataSource _pool;

    public PostgresAdvisoryLocks(string connectionString, string purpose)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName = $"blossom {purpose}";
        _pool = builder.Build();
    }

    /// <summary>The section of a 64-bit key.</summary>
    public Task<IAsyncDisposable> EnterAsync(long key, CancellationToken cancellationToken) =>
        EnterAsync("SELECT pg_advisory_xact_lock(@key)", new { key }, cancellationToken);

    /// <summary>The section of a pair of 32-bit keys: a key space apart from the 64-bit one.</summary>
    public Task<IAsyncDisposable> EnterAsync(int space, int key, CancellationToken cancellationToken) =>
        EnterAsync("SELECT pg_advisory_xact_lock(@space, @key)", new { space, key }, cancellationToken);

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    private async Task<IAsyncDisposable> EnterAsync(string sql, object key, CancellationToken cancellationToken)
    {
        var connection = await _pool.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(sql, key, transaction, cancellationToken: cancellationToken));
            return new Section(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class Section(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        private int _left;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _left, 1) == 1)
                return;
            try
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch (NpgsqlException) when (connection.FullState.HasFlag(ConnectionState.Broken))
            {
                // The session is gone, and its lock with it: the work done in the section stands.
            }
            finally
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }
}
