using Blossom.Core.Blobs;
using Dapper;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// All SQL about blobs and owners, on the database every node shares. A blob's row is locked
/// (<c>FOR UPDATE</c>) by whatever changes its owners, so two owners leaving at once on two nodes
/// cannot each leave the blob to the other and orphan it, and an upload cannot add an owner to a
/// blob whose last owner is leaving.
/// </summary>
public sealed class PostgresBlobIndex(PostgresDatabase database, TimeProvider time) : IBlobIndex
{
    private const string Columns =
        "b.sha256 AS Sha256, b.size AS Size, b.type AS Type, b.uploaded AS Uploaded, b.width AS Width, b.height AS Height, b.blurhash AS Blurhash, b.original_sha256 AS OriginalSha256";

    public Task MigrateAsync(CancellationToken cancellationToken) => database.MigrateAsync(cancellationToken);

    public async Task<BlobRecord?> FindAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.QuerySingleOrDefaultAsync<BlobRecord>(
                new CommandDefinition($"SELECT {Columns} FROM blobs b WHERE b.sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public Task<BlobRecord> AddAsync(BlobRecord blob, IReadOnlyCollection<string> owners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owners);
        // An owner's repeated upload renews `added`: delete requests signed before it no longer apply.
        var added = time.GetUtcNow().ToUnixTimeSeconds();
        return StoreAsync(blob, [.. owners.Select(owner => new BlobOwner(owner, added))], cancellationToken);
    }

    public Task ImportAsync(OwnedBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return StoreAsync(blob.Blob, blob.Owners, cancellationToken);
    }

    /// <summary>The blob's record unless it is known, and each owner at the later of its two times; returns the stored record.</summary>
    private async Task<BlobRecord> StoreAsync(BlobRecord blob, IReadOnlyCollection<BlobOwner> owners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // The no-op update of a known blob returns its stored record and locks its row.
                var stored = await connection.QuerySingleAsync<BlobRecord>(new CommandDefinition(
                    "INSERT INTO blobs AS b (sha256, size, type, uploaded, width, height, blurhash, original_sha256) " +
                    "VALUES (@Sha256, @Size, @Type, @Uploaded, @Width, @Height, @Blurhash, @OriginalSha256) " +
                    $"ON CONFLICT (sha256) DO UPDATE SET sha256 = b.sha256 RETURNING {Columns}",
                    blob, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO owners AS o (pubkey, sha256, uploaded, added) VALUES (@Pubkey, @Sha256, @Uploaded, @Added) ON CONFLICT (pubkey, sha256) DO UPDATE SET added = GREATEST(o.added, EXCLUDED.added)",
                    owners.Select(owner => new { owner.Pubkey, stored.Sha256, stored.Uploaded, owner.Added }), transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return stored;
            }
        }
    }

    public async Task<IReadOnlyList<BlobRecord>?> ListAsync(BlobListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            long? cursorUploaded = null;
            if (query.Cursor is not null)
            {
                cursorUploaded = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                    "SELECT uploaded FROM owners WHERE pubkey = @Pubkey AND sha256 = @Cursor", query, cancellationToken: cancellationToken)).ConfigureAwait(false);
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
                new { query.Pubkey, query.Cursor, cursorUploaded, query.Since, query.Until, query.Limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return page.AsList();
        }
    }

    public async Task<OwnerRemoval> RemoveOwnerAsync(string sha256, string pubkey, long authorizedAt, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var exists = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                    "SELECT sha256 FROM blobs WHERE sha256 = @sha256 FOR UPDATE", new { sha256 }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) is not null;
                if (!exists)
                    return OwnerRemoval.BlobNotFound;
                var removed = await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM owners WHERE pubkey = @pubkey AND sha256 = @sha256 AND added <= @authorizedAt", new { pubkey, sha256, authorizedAt }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (removed == 0)
                {
                    var owned = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                        "SELECT EXISTS (SELECT 1 FROM owners WHERE sha256 = @sha256 AND pubkey = @pubkey)",
                        new { sha256, pubkey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    return owned ? OwnerRemoval.AuthorizedBeforeUpload : OwnerRemoval.NotOwner;
                }
                var orphaned = await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM blobs WHERE sha256 = @sha256 AND NOT EXISTS (SELECT 1 FROM owners WHERE sha256 = @sha256)",
                    new { sha256 }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return orphaned == 1 ? OwnerRemoval.RemovedLastOwner : OwnerRemoval.Removed;
            }
        }
    }

    public async Task SetMetadataAsync(string sha256, BlobMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE blobs SET width = @Width, height = @Height, blurhash = @Blurhash WHERE sha256 = @sha256",
                new { sha256, metadata.Width, metadata.Height, metadata.Blurhash }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task<StorageUsage> UsageAsync(string pubkey, string? sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // SUM of bigint is numeric in PostgreSQL: cast back.
            var (used, owns) = await connection.QuerySingleAsync<(long, bool)>(new CommandDefinition(
                "SELECT COALESCE(SUM(b.size), 0)::bigint, COALESCE(bool_or(o.sha256 = @sha256), false) FROM owners o JOIN blobs b ON b.sha256 = o.sha256 WHERE o.pubkey = @pubkey",
                new { pubkey, sha256 }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new StorageUsage(used, owns);
        }
    }

    public async Task<IReadOnlyList<OwnedBlob>> ListAllAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var after = cursor is null ? "" : "WHERE (b.uploaded, b.sha256) < (SELECT uploaded, sha256 FROM blobs WHERE sha256 = @cursor)";
            var rows = await connection.QueryAsync<(string Sha256, long Size, string Type, long Uploaded, long? Width, long? Height, string? Blurhash, string? OriginalSha256, string[] Owners, long[] Added)>(new CommandDefinition(
                $"""
                SELECT b.sha256, b.size, b.type, b.uploaded, b.width, b.height, b.blurhash, b.original_sha256,
                    ARRAY(SELECT o.pubkey FROM owners o WHERE o.sha256 = b.sha256 ORDER BY o.added, o.pubkey),
                    ARRAY(SELECT o.added FROM owners o WHERE o.sha256 = b.sha256 ORDER BY o.added, o.pubkey)
                FROM blobs b {after}
                ORDER BY b.uploaded DESC, b.sha256 DESC
                LIMIT @limit
                """,
                new { cursor, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => new OwnedBlob(new BlobRecord(r.Sha256, r.Size, r.Type, r.Uploaded, r.Width, r.Height, r.Blurhash, r.OriginalSha256), [.. r.Owners.Zip(r.Added, (pubkey, added) => new BlobOwner(pubkey, added))]))];
        }
    }

    public async Task<IReadOnlyList<string>> OwnersAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT pubkey FROM owners WHERE sha256 = @sha256 ORDER BY added", new { sha256 }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        }
    }

    public async Task<bool> RemoveAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Owners go by ON DELETE CASCADE.
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM blobs WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    public Task CheckReachableAsync(CancellationToken cancellationToken) => database.CheckReachableAsync(cancellationToken);
}
