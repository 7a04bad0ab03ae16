using System.Data.Common;

namespace Blossom.Core.Data;

/// <summary>
/// One group commit for every kind of row an upload makes durable in a database (a small blob's bytes,
/// blob records and owners): whatever is queued when a batch starts goes into one transaction. One
/// upload's bytes and another's index rows then share a sync, and SQLite's single writer is never
/// wanted by two batches at once, where the loser sleeps in SQLite's busy backoff (a millisecond or more).
/// </summary>
/// <remarks>
/// Each kind of row joins as a <see cref="Part{TItem, TResult}"/> of its <see cref="SqlBatchedRows"/>; a batch
/// writes the parts in that order and each part its rows in an order of its own (by hash, say), so every
/// batch takes its row locks in one global order and two nodes' batches cannot deadlock. The callers'
/// waits cannot be cancelled and a failed batch is retried item by item, as <see cref="GroupCommit{TItem, TResult}"/> does.
/// </remarks>
public sealed class SqlGroupCommit
{
    private readonly ISqlDatabase _database;
    private readonly GroupCommit<Write, object?> _writes;

    public SqlGroupCommit(ISqlDatabase database)
    {
        _database = database;
        _writes = new(CommitAsync);
    }

    /// <summary>A kind of row, written by <paramref name="write"/> inside the batch's transaction, one result per item in order.</summary>
    public Part<TItem, TResult> Join<TItem, TResult>(SqlBatchedRows rows, Func<DbConnection, DbTransaction, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write) =>
        new(this, rows, write);

    private async Task<IReadOnlyList<object?>> CommitAsync(IReadOnlyList<Write> writes)
    {
        var results = new object?[writes.Count];
        var connection = await _database.OpenAsync(CancellationToken.None);
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync();
            await using (transaction)
            {
                foreach (var part in writes.Select((write, i) => (write, i)).GroupBy(w => w.write.Part).OrderBy(part => part.Key.Rows))
                {
                    var written = await part.Key.WriteAsync(connection, transaction, [.. part.Select(w => w.write.Item)]);
                    foreach (var ((_, i), result) in part.Zip(written))
                        results[i] = result;
                }
                await transaction.CommitAsync();
            }
        }
        return results;
    }

    private readonly record struct Write(IPart Part, object? Item);

    private interface IPart
    {
        SqlBatchedRows Rows { get; }

        Task<IReadOnlyList<object?>> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<object?> items);
    }

    /// <summary>One kind of row of the shared batches.</summary>
    public sealed class Part<TItem, TResult> : IPart
    {
        private readonly SqlGroupCommit _commit;
        private readonly Func<DbConnection, DbTransaction, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _write;

        internal Part(SqlGroupCommit commit, SqlBatchedRows rows, Func<DbConnection, DbTransaction, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write) =>
            (_commit, Rows, _write) = (commit, rows, write);

        public SqlBatchedRows Rows { get; }

        /// <summary>Writes the item in the next batch; its result once that batch is durable.</summary>
        public async Task<TResult> RunAsync(TItem item) => (TResult)(await _commit._writes.RunAsync(new Write(this, item)))!;

        async Task<IReadOnlyList<object?>> IPart.WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<object?> items) =>
            [.. (await _write(connection, transaction, [.. items.Cast<TItem>()])).Cast<object?>()];
    }
}

/// <summary>The kinds of rows <see cref="SqlGroupCommit"/> batches, in the order a batch writes them.</summary>
public enum SqlBatchedRows
{
    /// <summary>Small blobs' bytes (<c>small_blobs</c>), by hash.</summary>
    SmallBlobs,

    /// <summary>Blob records by hash, then their owners by pubkey (<c>blobs</c>, <c>owners</c>).</summary>
    BlobIndex,
}
