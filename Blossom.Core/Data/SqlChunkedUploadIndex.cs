using System.Data.Common;
using Blossom.Core.Ingest;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>
/// All SQL about chunked uploads (BUD-14), the same statements in SQLite and PostgreSQL. What several
/// nodes (or requests) do at once to one upload is ordered by its row: each change of its chunks or
/// state updates that row first, which PostgreSQL locks until the transaction ends and SQLite's one
/// writer serializes anyway; so the last of two chunks recorded at once sees both. An anonymous upload's
/// owner is stored as the empty string, so that (hash, owner) is a key in both databases.
/// </summary>
public sealed class SqlChunkedUploadIndex(ISqlDatabase database) : IChunkedUploadIndex
{
    private readonly SqlDialect _dialect = database.Dialect;

    private const string SelectUpload =
        "SELECT id AS Id, sha256 AS Sha256, owner AS Owner, type AS Type, length AS Length, created AS Created, touched AS Touched, claimed_until AS ClaimedUntil FROM partial_uploads";

    // Another node's clock may be a little behind: activity never moves an upload's time back.
    private string Touch => $"touched = {_dialect.Greatest}(touched, @now)";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // Where this process alone uses the database, a completion claim found now was left by its previous run.
        if (database.SharedByNodes)
            return;
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE partial_uploads SET claimed_until = 0 WHERE claimed_until <> 0", cancellationToken: cancellationToken));
        }
    }

    public async Task<(ChunkedUpload Upload, bool Created)> StartAsync(ChunkedUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var row = UploadRow.From(upload);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // The upload this insert ran into may be removed (expired, finished) before the read: then it starts again.
            while (true)
            {
                var created = await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO partial_uploads (id, sha256, owner, type, length, created, touched, claimed_until) " +
                    "VALUES (@Id, @Sha256, @Owner, @Type, @Length, @Created, @Touched, @ClaimedUntil) ON CONFLICT (sha256, owner) DO NOTHING",
                    row, cancellationToken: cancellationToken)) == 1;
                var stored = await connection.QuerySingleOrDefaultAsync<UploadRow>(new CommandDefinition(
                    $"{SelectUpload} WHERE sha256 = @Sha256 AND owner = @Owner", row, cancellationToken: cancellationToken));
                if (stored is not null)
                    return (stored.ToUpload(), created);
            }
        }
    }

    public async Task<ChunkedUpload?> FindAsync(string sha256, string? owner, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var row = await connection.QuerySingleOrDefaultAsync<UploadRow>(new CommandDefinition(
                $"{SelectUpload} WHERE sha256 = @sha256 AND owner = @owner", new { sha256, owner = owner ?? "" }, cancellationToken: cancellationToken));
            return row?.ToUpload();
        }
    }

    public async Task<IReadOnlyList<ChunkedUpload>> OfBlobAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return (await connection.QueryAsync<UploadRow>(new CommandDefinition(
                $"{SelectUpload} WHERE sha256 = @sha256 ORDER BY owner", new { sha256 }, cancellationToken: cancellationToken)))
                .Select(r => r.ToUpload()).ToList();
        }
    }

    public async Task<ChunkedUploadTotals> TotalsAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // SUM of bigint is numeric in PostgreSQL: cast.
            var (count, held, declared) = await connection.QuerySingleAsync<(long, long, long)>(new CommandDefinition(
                "SELECT (SELECT CAST(COUNT(*) AS bigint) FROM partial_uploads), " +
                "(SELECT CAST(COALESCE(SUM(length), 0) AS bigint) FROM partial_upload_chunks), " +
                "(SELECT CAST(COALESCE(SUM(length), 0) AS bigint) FROM partial_uploads)",
                cancellationToken: cancellationToken));
            return new ChunkedUploadTotals(count, held, declared);
        }
    }

    public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM partial_uploads WHERE id = @id)", new { id }, cancellationToken: cancellationToken));
        }
    }

    public async Task<IReadOnlyList<StoredChunk>> ChunksAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await ChunksAsync(connection, null, id, cancellationToken);
        }
    }

    public async Task<bool> TouchAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE partial_uploads SET {Touch} WHERE id = @id",
                new { id, now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task<IReadOnlyList<StoredChunk>?> AddChunksAsync(string id, IReadOnlyList<StoredChunk> chunks, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (transaction)
            {
                // The upload's row first: it is gone when the upload expired or finished, and otherwise
                // stays locked until the commit, so chunks recorded at once are recorded one after another.
                var exists = await connection.ExecuteAsync(new CommandDefinition(
                    $"UPDATE partial_uploads SET {Touch} WHERE id = @id",
                    new { id, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)) == 1;
                if (!exists)
                    return null;
                // A part recorded again (a file that grew) keeps its longest extent.
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO partial_upload_chunks AS c (upload_id, start, length, part) VALUES (@id, @Offset, @Length, @Part) " +
                    $"ON CONFLICT (upload_id, start, part) DO UPDATE SET length = {_dialect.Greatest}(c.length, excluded.length)",
                    chunks.Select(c => new { id, c.Offset, c.Length, c.Part }), transaction, cancellationToken: cancellationToken));
                var recorded = await ChunksAsync(connection, transaction, id, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return recorded;
            }
        }
    }

    public async Task<bool> ClaimCompletionAsync(string id, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // The claim counts as activity: building the blob starts the idle clock afresh.
            return await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE partial_uploads SET claimed_until = @until, {Touch} WHERE id = @id AND claimed_until <= @now",
                new { id, now = now.ToUnixTimeMilliseconds(), until = until.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task<bool> RenewClaimAsync(string id, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE partial_uploads SET claimed_until = {_dialect.Greatest}(claimed_until, @until), {Touch} WHERE id = @id",
                new { id, now = now.ToUnixTimeMilliseconds(), until = until.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task<IReadOnlyList<ChunkedUpload>> StalledAsync(DateTimeOffset now, DateTimeOffset quietSince, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // Adding up the chunks is cheap and rules out nearly every upload still receiving bytes;
            // whether the chunks leave a gap is for the caller to see.
            return (await connection.QueryAsync<UploadRow>(new CommandDefinition(
                $"{SelectUpload} p WHERE p.claimed_until <= @now AND p.touched < @quietSince " +
                "AND p.length <= (SELECT COALESCE(SUM(c.length), 0) FROM partial_upload_chunks c WHERE c.upload_id = p.id)",
                new { now = now.ToUnixTimeMilliseconds(), quietSince = quietSince.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)))
                .Select(r => r.ToUpload()).ToList();
        }
    }

    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // Chunks go by ON DELETE CASCADE.
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM partial_uploads WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
        }
    }

    public async Task<IReadOnlyList<string>> RemoveIdleAsync(DateTimeOffset idleSince, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // A row deleted by another caller meanwhile is not deleted (nor returned) again: each id goes to one caller.
            return (await connection.QueryAsync<string>(new CommandDefinition(
                "DELETE FROM partial_uploads WHERE touched < @idleSince RETURNING id",
                new { idleSince = idleSince.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken))).AsList();
        }
    }

    private static async Task<IReadOnlyList<StoredChunk>> ChunksAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<StoredChunk>(new CommandDefinition(
            "SELECT start AS Offset, length AS Length, part AS Part FROM partial_upload_chunks WHERE upload_id = @id ORDER BY start, part",
            new { id }, transaction, cancellationToken: cancellationToken))).AsList();

    /// <summary>The flat shape of a <c>partial_uploads</c> row: times in unix milliseconds, 0 for no claim, "" for no owner.</summary>
    private sealed class UploadRow
    {
        public string Id { get; init; } = "";
        public string Sha256 { get; init; } = "";
        public string Owner { get; init; } = "";
        public string Type { get; init; } = "";
        public long Length { get; init; }
        public long Created { get; init; }
        public long Touched { get; init; }
        public long ClaimedUntil { get; init; }

        public static UploadRow From(ChunkedUpload u) => new()
        {
            Id = u.Id, Sha256 = u.Sha256, Owner = u.Owner ?? "", Type = u.Type, Length = u.Length,
            Created = u.Created.ToUnixTimeMilliseconds(), Touched = u.Touched.ToUnixTimeMilliseconds(),
            ClaimedUntil = u.ClaimedUntil?.ToUnixTimeMilliseconds() ?? 0,
        };

        public ChunkedUpload ToUpload() => new(
            Id, Sha256, Owner.Length == 0 ? null : Owner, Type, Length, DateTimeOffset.FromUnixTimeMilliseconds(Created), DateTimeOffset.FromUnixTimeMilliseconds(Touched),
            ClaimedUntil == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ClaimedUntil));
    }
}
