using System.Data.Common;
using Blossom.Core.Blobs;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>
/// All SQL about blobs and owners, the same statements in SQLite and PostgreSQL but for how a blob's
/// record is stored and what its row lock is spelled.
/// </summary>
public abstract class SqlBlobIndex : IBlobIndex
{
    private readonly ISqlDatabase _database;
    private readonly SqlDialect _dialect;
    private readonly TimeProvider _time;
    private readonly SqlGroupCommit.Part<(BlobRecord Blob, IReadOnlyCollection<BlobOwner> Owners), BlobRecord> _adds;

    protected SqlBlobIndex(ISqlDatabase database, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        (_database, _dialect, _time) = (database, database.Dialect, time);
        _adds = database.Commits.Join<(BlobRecord Blob, IReadOnlyCollection<BlobOwner> Owners), BlobRecord>(
            SqlBatchedRows.BlobIndex, (connection, transaction, blobs) => StoreAsync(connection, transaction, blobs, CancellationToken.None));
    }

    /// <summary>A blob's record from the <c>blobs</c> table aliased <c>b</c>.</summary>
    protected const string Columns =
        "b.sha256 AS Sha256, b.size AS Size, b.type AS Type, b.uploaded AS Uploaded, b.width AS Width, b.height AS Height, b.blurhash AS Blurhash, b.original_sha256 AS OriginalSha256, b.accessed AS Accessed";

    public async Task<BlobRecord?> FindAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.QuerySingleOrDefaultAsync<BlobRecord>(
                new CommandDefinition($"SELECT {Columns} FROM blobs b WHERE b.sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken));
        }
    }

    public Task<BlobRecord> AddAsync(BlobRecord blob, IReadOnlyCollection<string> owners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(owners);
        // An owner's repeated upload renews `added`: delete requests signed before it no longer apply.
        var added = _time.GetUtcNow().ToUnixTimeSeconds();
        // Concurrent uploads share one transaction and so one durable commit (one WAL sync); the
        // wait is not cancelled, as the caller must know whether its row is in (see SqlGroupCommit).
        return _adds.RunAsync((blob, [.. owners.Select(owner => new BlobOwner(owner, added))]));
    }

    public async Task ImportAsync(OwnedBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (transaction)
            {
                await StoreAsync(connection, transaction, [(blob.Blob, blob.Owners)], cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }
    }

    /// <summary>
    /// Inside <paramref name="transaction"/>, each blob's record unless it is known, and each owner at the
    /// later of its two times; returns the stored records in order. Rows are written in one global order
    /// (blobs by hash, then owners by pubkey, whose triggers lock the pubkeys' usage totals), so two
    /// batches on two nodes cannot each hold a row the other waits for.
    /// </summary>
    private async Task<IReadOnlyList<BlobRecord>> StoreAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<(BlobRecord Blob, IReadOnlyCollection<BlobOwner> Owners)> blobs, CancellationToken cancellationToken)
    {
        // A hash twice in one batch is written once, with its first record; an owner twice, at its later time.
        List<BlobRecord> distinct = [.. blobs.Select(b => b.Blob).DistinctBy(b => b.Sha256, StringComparer.Ordinal).OrderBy(b => b.Sha256, StringComparer.Ordinal)];
        var byHash = (await InsertBlobsAsync(connection, transaction, distinct, cancellationToken)).ToDictionary(b => b.Sha256, StringComparer.Ordinal);
        var stored = blobs.Select(b => byHash[b.Blob.Sha256]).ToArray();
        var owners = blobs
            .SelectMany((blob, i) => blob.Owners.Select(owner => new { owner.Pubkey, stored[i].Sha256, stored[i].Uploaded, owner.Added }))
            .GroupBy(owner => (owner.Pubkey, owner.Sha256))
            .Select(same => same.MaxBy(owner => owner.Added)!)
            .OrderBy(owner => owner.Pubkey, StringComparer.Ordinal).ThenBy(owner => owner.Sha256, StringComparer.Ordinal)
            .ToList();
        var upsert = $"ON CONFLICT (pubkey, sha256) DO UPDATE SET added = {_dialect.Greatest}(o.added, excluded.added)";
        if (_dialect.RowsAsArrays)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO owners AS o (pubkey, sha256, uploaded, added) " +
                "SELECT * FROM unnest(@Pubkeys, @Hashes, @Uploaded, @Added) AS t (pubkey, sha256, uploaded, added) ORDER BY t.pubkey COLLATE \"C\", t.sha256 COLLATE \"C\" " + upsert,
                new
                {
                    Pubkeys = owners.Select(o => o.Pubkey).ToArray(), Hashes = owners.Select(o => o.Sha256).ToArray(),
                    Uploaded = owners.Select(o => o.Uploaded).ToArray(), Added = owners.Select(o => o.Added).ToArray(),
                },
                transaction, cancellationToken: cancellationToken));
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO owners AS o (pubkey, sha256, uploaded, added) VALUES (@Pubkey, @Sha256, @Uploaded, @Added) {upsert}",
                owners, transaction, cancellationToken: cancellationToken));
        }
        return stored;
    }

    public async Task<IReadOnlyList<BlobRecord>?> ListAsync(BlobListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            long? cursorUploaded = null;
            if (query.Cursor is not null)
            {
                cursorUploaded = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                    "SELECT uploaded FROM owners WHERE pubkey = @Pubkey AND sha256 = @Cursor", query, cancellationToken: cancellationToken));
                if (cursorUploaded is null)
                    return null;
            }
            // Only the predicates in use go into the SQL, so each is a range on the (pubkey, uploaded, sha256) index.
            var conditions = new List<string> { "o.pubkey = @Pubkey" };
            if (cursorUploaded is not null) conditions.Add("(o.uploaded, o.sha256) < (@cursorUploaded, @Cursor)");
            if (query.Since is not null) conditions.Add("o.uploaded >= @Since");
            if (query.Until is not null) conditions.Add("o.uploaded <= @Until");
            var page = await connection.QueryAsync<BlobRecord>(new CommandDefinition(
                $"""
                SELECT {Columns}
                FROM owners o JOIN blobs b ON b.sha256 = o.sha256
                WHERE {string.Join(" AND ", conditions)}
                ORDER BY o.uploaded DESC, o.sha256 DESC
                LIMIT @Limit
                """,
                new { query.Pubkey, query.Cursor, cursorUploaded, query.Since, query.Until, query.Limit }, cancellationToken: cancellationToken));
            return page.AsList();
        }
    }

    public async Task<OwnerRemoval> RemoveOwnerAsync(string sha256, string pubkey, long authorizedAt, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (transaction)
            {
                // The blob's row is locked before its owners change, so two owners leaving at once on two
                // nodes cannot each leave the blob to the other and orphan it.
                var exists = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                    $"SELECT sha256 FROM blobs WHERE sha256 = @sha256{_dialect.ForUpdate}", new { sha256 }, transaction, cancellationToken: cancellationToken)) is not null;
                if (!exists)
                    return OwnerRemoval.BlobNotFound;
                var removed = await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM owners WHERE pubkey = @pubkey AND sha256 = @sha256 AND added <= @authorizedAt", new { pubkey, sha256, authorizedAt }, transaction, cancellationToken: cancellationToken));
                if (removed == 0)
                {
                    var owned = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                        "SELECT EXISTS (SELECT 1 FROM owners WHERE sha256 = @sha256 AND pubkey = @pubkey)",
                        new { sha256, pubkey }, transaction, cancellationToken: cancellationToken));
                    return owned ? OwnerRemoval.AuthorizedBeforeUpload : OwnerRemoval.NotOwner;
                }
                var orphaned = await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM blobs WHERE sha256 = @sha256 AND NOT EXISTS (SELECT 1 FROM owners WHERE sha256 = @sha256)",
                    new { sha256 }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                return orphaned == 1 ? OwnerRemoval.RemovedLastOwner : OwnerRemoval.Removed;
            }
        }
    }

    public async Task SetMetadataAsync(string sha256, BlobMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE blobs SET width = @Width, height = @Height, blurhash = @Blurhash WHERE sha256 = @sha256",
                new { sha256, metadata.Width, metadata.Height, metadata.Blurhash }, cancellationToken: cancellationToken));
        }
    }

    public async Task<StorageUsage> UsageAsync(string pubkey, string? sha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // The pubkey's total is kept by the database's triggers (owner_usage), so this reads one row
            // and one owner's key however many blobs it holds. SUM of bigint is numeric in PostgreSQL: cast.
            // The pubkey's chunked uploads (BUD-14) hold room for their whole length while they last, but
            // not the one of the asked hash: that is the blob being asked about, counted once by the caller.
            var (used, owns, partial) = await connection.QuerySingleAsync<(long, long, long)>(new CommandDefinition(
                "SELECT COALESCE((SELECT u.bytes FROM owner_usage u WHERE u.pubkey = @pubkey), 0), " +
                "CAST(CASE WHEN EXISTS (SELECT 1 FROM owners o WHERE o.pubkey = @pubkey AND o.sha256 = @sha256) THEN 1 ELSE 0 END AS bigint), " +
                "(SELECT CAST(COALESCE(SUM(p.length), 0) AS bigint) FROM partial_uploads p WHERE p.owner = @pubkey AND (@sha256 IS NULL OR p.sha256 <> @sha256))",
                new { pubkey, sha256 }, cancellationToken: cancellationToken));
            return new StorageUsage(used + partial, owns != 0);
        }
    }

    public async Task<IReadOnlyList<OwnerUsage>> OwnerUsagesAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // owner_usage is walked by its key, and each owner's blobs are counted on the owners_by_pubkey_uploaded
            // index: a page costs its own rows, not the whole table. A total that fell to nothing stays as a
            // row of 0 bytes when its owner's last blob went, and is no owner any more.
            // A tuple, as SQLite names no column type for the count that a record's constructor could match.
            return [.. (await connection.QueryAsync<(string Owner, long Bytes, long Blobs)>(new CommandDefinition(
                "SELECT u.pubkey, u.bytes, CAST((SELECT COUNT(*) FROM owners o WHERE o.pubkey = u.pubkey) AS bigint) " +
                "FROM owner_usage u WHERE (@cursor IS NULL OR u.pubkey > @cursor) AND EXISTS (SELECT 1 FROM owners o WHERE o.pubkey = u.pubkey) " +
                "ORDER BY u.pubkey LIMIT @limit",
                new { cursor, limit }, cancellationToken: cancellationToken))).Select(u => new OwnerUsage(u.Owner, u.Bytes, u.Blobs))];
        }
    }

    public async Task<BlobTotals> TotalsAsync(CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // SUM of bigint is numeric in PostgreSQL: cast.
            var (count, bytes) = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
                "SELECT CAST(COUNT(*) AS bigint), CAST(COALESCE(SUM(size), 0) AS bigint) FROM blobs", cancellationToken: cancellationToken));
            return new BlobTotals(count, bytes);
        }
    }

    public async Task<IReadOnlyList<OwnedBlob>> ListAllAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var after = cursor is null ? "" : "WHERE (b.uploaded, b.sha256) < (SELECT uploaded, sha256 FROM blobs WHERE sha256 = @cursor)";
            var blobs = (await connection.QueryAsync<BlobRecord>(new CommandDefinition(
                $"SELECT {Columns} FROM blobs b {after} ORDER BY b.uploaded DESC, b.sha256 DESC LIMIT @limit",
                new { cursor, limit }, cancellationToken: cancellationToken))).AsList();
            var owners = await OwnersOfAsync(connection, [.. blobs.Select(b => b.Sha256)], cancellationToken);
            return [.. blobs.Select(b => new OwnedBlob(b, [.. owners[b.Sha256]]))];
        }
    }

    public async Task<ILookup<string, BlobOwner>> OwnersOfAsync(IReadOnlyCollection<string> hashes, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await OwnersOfAsync(connection, hashes, cancellationToken);
        }
    }

    private async Task<ILookup<string, BlobOwner>> OwnersOfAsync(DbConnection connection, IReadOnlyCollection<string> hashes, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<(string Sha256, string Pubkey, long Added)>(new CommandDefinition(
            $"SELECT sha256, pubkey, added FROM owners WHERE sha256 {_dialect.AnyOf("@hashes")} ORDER BY added, pubkey",
            new { hashes = hashes.ToArray() }, cancellationToken: cancellationToken)))
            .ToLookup(o => o.Sha256, o => new BlobOwner(o.Pubkey, o.Added), StringComparer.Ordinal);

    public async Task SetAccessedAsync(IReadOnlyCollection<BlobFetch> fetches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // One transaction for the batch: one durable commit however many blobs were fetched. In
            // hash order, as every writer of blob rows, so two nodes' batches cannot deadlock.
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (transaction)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    $"UPDATE blobs SET accessed = {_dialect.Greatest}(COALESCE(accessed, 0), @At) WHERE sha256 = @Sha256",
                    fetches.OrderBy(f => f.Sha256, StringComparer.Ordinal), transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
            }
        }
    }

    public async Task<IReadOnlyList<string>> OwnersAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT pubkey FROM owners WHERE sha256 = @sha256 ORDER BY added", new { sha256 }, cancellationToken: cancellationToken))).AsList();
        }
    }

    public async Task<bool> RemoveAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // Owners go with it, each taking the blob's size off its pubkey's total (see owner_usage).
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM blobs WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)) > 0;
        }
    }

    public Task CheckReachableAsync(CancellationToken cancellationToken) => _database.CheckReachableAsync(cancellationToken);

    /// <summary>
    /// Inside <paramref name="transaction"/>, stores each blob's record unless it is known, in the given order
    /// (by hash, no hash twice); returns the stored records, in any order.
    /// </summary>
    protected abstract Task<IReadOnlyList<BlobRecord>> InsertBlobsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<BlobRecord> blobs, CancellationToken cancellationToken);
}
