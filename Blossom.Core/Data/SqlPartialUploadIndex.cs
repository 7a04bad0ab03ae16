using System.Data.Common;
using Blossom.Core.Ingest;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>
/// All SQL about partial uploads (BUD-14), the same statements in SQLite and PostgreSQL. What several
/// nodes (or requests) do at once to one upload is ordered by its row: each change of its chunks or
/// state updates that row first, which PostgreSQL locks until the transaction ends and SQLite's one
/// writer serializes anyway; so the last of two chunks recorded at once sees both.
/// </summary>
public abstract class SqlPartialUploadIndex(Func<CancellationToken, Task<DbConnection>> open, SqlDialect dialect) : IPartialUploadIndex
{
    private const string SelectUpload =
        "SELECT sha256 AS Sha256, owner AS Owner, type AS Type, length AS Length, created AS Created, touched AS Touched, completing AS Completing FROM partial_uploads";

    // Another node's clock may be a little behind: activity never moves an upload's time back.
    private string Touch => $"touched = {dialect.Greatest}(touched, @now)";

    public async Task<(PartialUpload Upload, bool Created)> StartAsync(PartialUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var row = UploadRow.From(upload);
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // The upload this insert ran into may be removed (expired, finished) before the read: then it starts again.
            while (true)
            {
                var created = await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO partial_uploads (sha256, owner, type, length, created, touched, completing) " +
                    "VALUES (@Sha256, @Owner, @Type, @Length, @Created, @Touched, @Completing) ON CONFLICT (sha256) DO NOTHING",
                    row, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
                var stored = await connection.QuerySingleOrDefaultAsync<UploadRow>(new CommandDefinition(
                    $"{SelectUpload} WHERE sha256 = @Sha256", row, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (stored is not null)
                    return (stored.ToUpload(), created);
            }
        }
    }

    public async Task<PartialUpload?> FindAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<UploadRow>(new CommandDefinition(
                $"{SelectUpload} WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToUpload();
        }
    }

    public async Task<IReadOnlyList<PartialChunk>> ChunksAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ChunksAsync(connection, null, sha256, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> TouchAsync(string sha256, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE partial_uploads SET {Touch} WHERE sha256 = @sha256",
                new { sha256, now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
        }
    }

    public async Task<IReadOnlyList<PartialChunk>?> AddChunkAsync(string sha256, PartialChunk chunk, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // The upload's row first: it is gone when the upload expired or finished, and otherwise
                // stays locked until the commit, so chunks recorded at once are recorded one after another.
                var exists = await connection.ExecuteAsync(new CommandDefinition(
                    $"UPDATE partial_uploads SET {Touch} WHERE sha256 = @sha256",
                    new { sha256, now = now.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
                if (!exists)
                    return null;
                // A part recorded again (a file that grew) keeps its longest extent.
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO partial_upload_chunks AS c (sha256, start, length, part) VALUES (@sha256, @Offset, @Length, @Part) " +
                    $"ON CONFLICT (sha256, start, part) DO UPDATE SET length = {dialect.Greatest}(c.length, excluded.length)",
                    new { sha256, chunk.Offset, chunk.Length, chunk.Part }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                var chunks = await ChunksAsync(connection, transaction, sha256, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return chunks;
            }
        }
    }

    public async Task<bool> ClaimCompletionAsync(string sha256, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // The claim counts as activity: building the blob starts the idle clock afresh.
            return await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE partial_uploads SET completing = TRUE, {Touch} WHERE sha256 = @sha256 AND NOT completing",
                new { sha256, now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
        }
    }

    public async Task<bool> RemoveAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Chunks go by ON DELETE CASCADE.
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM partial_uploads WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    public async Task<IReadOnlyList<string>> RemoveIdleAsync(DateTimeOffset idleSince, CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // A row deleted by another caller meanwhile is not deleted (nor returned) again: each hash goes to one caller.
            return (await connection.QueryAsync<string>(new CommandDefinition(
                "DELETE FROM partial_uploads WHERE touched < @idleSince RETURNING sha256",
                new { idleSince = idleSince.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        }
    }

    private static async Task<IReadOnlyList<PartialChunk>> ChunksAsync(DbConnection connection, DbTransaction? transaction, string sha256, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<PartialChunk>(new CommandDefinition(
            "SELECT start AS Offset, length AS Length, part AS Part FROM partial_upload_chunks WHERE sha256 = @sha256 ORDER BY start, part",
            new { sha256 }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();

    /// <summary>
    /// The flat shape of a <c>partial_uploads</c> row; properties rather than a constructor, so Dapper
    /// converts what a database returns (SQLite's integer 0/1, PostgreSQL's boolean) to <see cref="Completing"/>.
    /// </summary>
    private sealed class UploadRow
    {
        public string Sha256 { get; init; } = "";
        public string? Owner { get; init; }
        public string Type { get; init; } = "";
        public long Length { get; init; }
        public long Created { get; init; }
        public long Touched { get; init; }
        public bool Completing { get; init; }

        public static UploadRow From(PartialUpload u) => new()
        {
            Sha256 = u.Sha256, Owner = u.Owner, Type = u.Type, Length = u.Length,
            Created = u.Created.ToUnixTimeMilliseconds(), Touched = u.Touched.ToUnixTimeMilliseconds(), Completing = u.Completing,
        };

        public PartialUpload ToUpload() => new(
            Sha256, Owner, Type, Length, DateTimeOffset.FromUnixTimeMilliseconds(Created), DateTimeOffset.FromUnixTimeMilliseconds(Touched), Completing);
    }
}
