using System.Data.Common;
using Blossom.Core.Matrix;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>All SQL about Matrix media ids, the same statements in SQLite and PostgreSQL. Times are unix milliseconds.</summary>
/// <remarks>
/// Two nodes creating ids for one user at once would both count below the pending limit under
/// PostgreSQL's READ COMMITTED, so the count and the insert hold a lock of the user's first
/// (<see cref="SqlDialect.TransactionLock"/>); SQLite's one writer already keeps them alone.
/// </remarks>
public sealed class SqlMatrixMediaIndex(ISqlDatabase database) : IMatrixMediaIndex
{
    // The first of the two 32-bit lock keys: keeps these locks apart from the other pair-keyed ones.
    private const int PendingLockSpace = 0x6d786d70; // "mxmp"

    private readonly string? _ownerLock = database.Dialect.TransactionLock(PendingLockSpace, "@Owner");

    private const string SelectMedia =
        "SELECT media_id AS MediaId, owner AS Owner, sha256 AS Sha256, content_type AS ContentType, file_name AS FileName, " +
        "created AS Created, unused_expires AS UnusedExpires, uploaded AS Uploaded FROM matrix_media";

    private const string Columns = "media_id, owner, sha256, content_type, file_name, created, unused_expires, uploaded";

    private const string Pending = "sha256 IS NULL AND unused_expires > @now";

    public async Task<bool> CreatePendingAsync(MatrixMedia media, int maxPending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(media);
        var row = Row.From(media);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (transaction)
            {
                if (_ownerLock is not null)
                    await connection.ExecuteAsync(new CommandDefinition(_ownerLock, row, transaction, cancellationToken: cancellationToken));
                var inserted = await connection.ExecuteAsync(new CommandDefinition(
                    $"INSERT INTO matrix_media ({Columns}) " +
                    "SELECT @MediaId, @Owner, NULL, NULL, NULL, @Created, @UnusedExpires, NULL " +
                    $"WHERE (SELECT COUNT(*) FROM matrix_media WHERE owner = @Owner AND {Pending}) < @maxPending",
                    new { row.MediaId, row.Owner, row.Created, row.UnusedExpires, now = row.Created, maxPending },
                    transaction, cancellationToken: cancellationToken)) == 1;
                await transaction.CommitAsync(cancellationToken);
                return inserted;
            }
        }
    }

    public async Task<MatrixMedia?> FindAsync(string mediaId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                $"{SelectMedia} WHERE media_id = @mediaId", new { mediaId }, cancellationToken: cancellationToken));
            return row?.ToMedia();
        }
    }

    public async Task<bool> CompleteAsync(string mediaId, string owner, string sha256, string contentType, string? fileName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE matrix_media SET sha256 = @sha256, content_type = @contentType, file_name = @fileName, uploaded = @now " +
                $"WHERE media_id = @mediaId AND owner = @owner AND {Pending}",
                new { mediaId, owner, sha256, contentType, fileName, now = now.ToUnixTimeMilliseconds() },
                cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task AddUploadedAsync(MatrixMedia media, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(media);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO matrix_media ({Columns}) VALUES (@MediaId, @Owner, @Sha256, @ContentType, @FileName, @Created, @UnusedExpires, @Uploaded)",
                Row.From(media), cancellationToken: cancellationToken));
        }
    }

    public async Task<int> PendingCountAsync(string owner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                $"SELECT COUNT(*) FROM matrix_media WHERE owner = @owner AND {Pending}",
                new { owner, now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
        }
    }

    public async Task<DateTimeOffset?> NextPendingExpiryAsync(string owner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var next = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                $"SELECT MIN(unused_expires) FROM matrix_media WHERE owner = @owner AND {Pending}",
                new { owner, now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
            return next is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }
    }

    public async Task<IReadOnlyList<string>> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return [.. await connection.QueryAsync<string>(new CommandDefinition(
                "DELETE FROM matrix_media WHERE sha256 IS NULL AND unused_expires <= @now RETURNING media_id",
                new { now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken))];
        }
    }

    public async Task<IReadOnlyList<MatrixMedia>> ListAsync(string? afterMediaId, int limit, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var rows = await connection.QueryAsync<Row>(new CommandDefinition(
                $"{SelectMedia} WHERE @afterMediaId IS NULL OR media_id > @afterMediaId ORDER BY media_id LIMIT @limit",
                new { afterMediaId, limit }, cancellationToken: cancellationToken));
            return [.. rows.Select(r => r.ToMedia())];
        }
    }

    public async Task<bool> ImportAsync(MatrixMedia media, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(media);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO matrix_media ({Columns}) VALUES (@MediaId, @Owner, @Sha256, @ContentType, @FileName, @Created, @UnusedExpires, @Uploaded) " +
                "ON CONFLICT (media_id) DO NOTHING",
                Row.From(media), cancellationToken: cancellationToken)) == 1;
        }
    }

    /// <summary>A row of <c>matrix_media</c>, its times in unix milliseconds.</summary>
    private sealed record Row(string MediaId, string Owner, string? Sha256, string? ContentType, string? FileName, long Created, long? UnusedExpires, long? Uploaded)
    {
        public static Row From(MatrixMedia media) => new(media.MediaId, media.Owner, media.Sha256, media.ContentType, media.FileName,
            media.Created.ToUnixTimeMilliseconds(), media.UnusedExpires?.ToUnixTimeMilliseconds(), media.Uploaded?.ToUnixTimeMilliseconds());

        public MatrixMedia ToMedia() => new(MediaId, Owner, Sha256, ContentType, FileName, DateTimeOffset.FromUnixTimeMilliseconds(Created),
            UnusedExpires is { } expires ? DateTimeOffset.FromUnixTimeMilliseconds(expires) : null,
            Uploaded is { } uploaded ? DateTimeOffset.FromUnixTimeMilliseconds(uploaded) : null);
    }
}
