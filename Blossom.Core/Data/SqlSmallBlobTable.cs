using System.Data.Common;
using System.Runtime.CompilerServices;
using Blossom.Core.Blobs;
using Blossom.Core.Storage;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>
/// Small blobs' bytes in <c>small_blobs</c> (SQLite BLOB, PostgreSQL bytea), the same statements on both
/// databases. Concurrent adds share one transaction and so one durable commit with the index's rows (<see cref="SqlGroupCommit"/>).
/// </summary>
public sealed class SqlSmallBlobTable : ISmallBlobTable
{
    // Rows listed per query by a sweep: no read holds the table for the whole walk.
    private const int Page = 1000;

    private readonly ISqlDatabase _database;
    private readonly TimeProvider _time;
    private readonly SqlGroupCommit.Part<(string Sha256, byte[] Bytes), bool> _adds;

    public SqlSmallBlobTable(ISqlDatabase database, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        (_database, _time) = (database, time);
        _adds = database.Commits.Join<(string Sha256, byte[] Bytes), bool>(SqlBatchedRows.SmallBlobs, AddBatchAsync);
    }

    public Task<bool> AddAsync(string sha256, byte[] bytes) => _adds.RunAsync((sha256, bytes));

    /// <summary>
    /// The batch's rows in hash order (as every writer of blob rows) so two nodes' batches cannot deadlock;
    /// a row already there is kept, its bytes being the same under the same hash.
    /// </summary>
    private async Task<IReadOnlyList<bool>> AddBatchAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(string Sha256, byte[] Bytes)> blobs)
    {
        var stored = _time.GetUtcNow().ToUnixTimeSeconds();
        var added = new bool[blobs.Count];
        if (_database.Dialect.RowsAsArrays)
        {
            // One statement for the batch; a hash twice in it is added by its first item alone.
            var inserted = (await connection.QueryAsync<string>(new CommandDefinition(
                "INSERT INTO small_blobs (sha256, bytes, stored) " +
                "SELECT t.sha256, t.bytes, @stored FROM unnest(@Hashes, @Bytes) AS t (sha256, bytes) ORDER BY t.sha256 COLLATE \"C\" " +
                "ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
                new { Hashes = blobs.Select(b => b.Sha256).ToArray(), Bytes = blobs.Select(b => b.Bytes).ToArray(), stored }, transaction))).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < blobs.Count; i++)
                added[i] = inserted.Remove(blobs[i].Sha256);
            return added;
        }
        foreach (var i in Enumerable.Range(0, blobs.Count).OrderBy(i => blobs[i].Sha256, StringComparer.Ordinal))
        {
            added[i] = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO small_blobs (sha256, bytes, stored) VALUES (@Sha256, @Bytes, @stored) ON CONFLICT (sha256) DO NOTHING",
                new { blobs[i].Sha256, blobs[i].Bytes, stored }, transaction)) == 1;
        }
        return added;
    }

    public async Task<byte[]?> FindAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
                "SELECT bytes FROM small_blobs WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken));
        }
    }

    public async Task<long?> LengthAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT CAST(length(bytes) AS bigint) FROM small_blobs WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken));
        }
    }

    public async IAsyncEnumerable<StoredBlob> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = "";
        while (true)
        {
            List<(string Sha256, long Stored)> page;
            var connection = await _database.OpenAsync(cancellationToken);
            await using (connection)
            {
                page = (await connection.QueryAsync<(string, long)>(new CommandDefinition(
                    "SELECT sha256, stored FROM small_blobs WHERE sha256 > @after ORDER BY sha256 LIMIT @Page",
                    new { after, Page }, cancellationToken: cancellationToken))).AsList();
            }
            foreach (var (sha256, stored) in page)
                yield return new StoredBlob(sha256, DateTimeOffset.FromUnixTimeSeconds(stored));
            if (page.Count < Page)
                yield break;
            after = page[^1].Sha256;
        }
    }

    public async Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM small_blobs WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)) > 0;
        }
    }
}
