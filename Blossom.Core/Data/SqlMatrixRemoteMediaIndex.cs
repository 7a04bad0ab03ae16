using Blossom.Core.Matrix;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>The remote media cache's SQL, the same statements in SQLite and PostgreSQL. Times are unix milliseconds.</summary>
public sealed class SqlMatrixRemoteMediaIndex(ISqlDatabase database) : IMatrixRemoteMediaIndex
{
    private const string SelectMedia =
        "SELECT server_name AS ServerName, media_id AS MediaId, sha256 AS Sha256, content_type AS ContentType, file_name AS FileName, " +
        "size AS Size, fetched AS Fetched, last_access AS LastAccess FROM matrix_remote_media";

    public async Task<MatrixRemoteMedia?> FindAsync(string serverName, string mediaId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                $"{SelectMedia} WHERE server_name = @serverName AND media_id = @mediaId", new { serverName, mediaId }, cancellationToken: cancellationToken));
            return row?.ToMedia();
        }
    }

    public async Task<IReadOnlyList<MatrixRemoteMedia>> FindWithThumbnailsAsync(string serverName, string mediaId, CancellationToken cancellationToken)
    {
        var thumbnails = $"{mediaId}/";
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            // substr, not LIKE: '_' is a media id character and LIKE's wildcard.
            var rows = await connection.QueryAsync<Row>(new CommandDefinition(
                $"{SelectMedia} WHERE server_name = @serverName AND (media_id = @mediaId OR substr(media_id, 1, @length) = @thumbnails) ORDER BY media_id",
                new { serverName, mediaId, thumbnails, length = thumbnails.Length }, cancellationToken: cancellationToken));
            return [.. rows.Select(r => r.ToMedia())];
        }
    }

    public async Task AddAsync(MatrixRemoteMedia media, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(media);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO matrix_remote_media (server_name, media_id, sha256, content_type, file_name, size, fetched, last_access) " +
                "VALUES (@ServerName, @MediaId, @Sha256, @ContentType, @FileName, @Size, @Fetched, @LastAccess) " +
                "ON CONFLICT (server_name, media_id) DO UPDATE SET sha256 = excluded.sha256, content_type = excluded.content_type, " +
                "file_name = excluded.file_name, size = excluded.size, fetched = excluded.fetched, last_access = excluded.last_access",
                Row.From(media), cancellationToken: cancellationToken));
        }
    }

    public async Task TouchAsync(string serverName, string mediaId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE matrix_remote_media SET last_access = @at WHERE server_name = @serverName AND media_id = @mediaId AND last_access < @at",
                new { serverName, mediaId, at = at.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
        }
    }

    public async Task<IReadOnlyList<MatrixRemoteMedia>> ListLeastRecentAsync(string? serverName, DateTimeOffset? accessedBefore, int limit, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var rows = await connection.QueryAsync<Row>(new CommandDefinition(
                $"{SelectMedia} WHERE (@serverName IS NULL OR server_name = @serverName) AND (@before IS NULL OR last_access < @before) " +
                "ORDER BY last_access, server_name, media_id LIMIT @limit",
                new { serverName, before = accessedBefore?.ToUnixTimeMilliseconds(), limit }, cancellationToken: cancellationToken));
            return [.. rows.Select(r => r.ToMedia())];
        }
    }

    public async Task<IReadOnlyList<MatrixRemoteMedia>> ListAsync((string ServerName, string MediaId)? after, int limit, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var rows = await connection.QueryAsync<Row>(new CommandDefinition(
                $"{SelectMedia} WHERE @server IS NULL OR server_name > @server OR (server_name = @server AND media_id > @mediaId) " +
                "ORDER BY server_name, media_id LIMIT @limit",
                new { server = after?.ServerName, mediaId = after?.MediaId, limit }, cancellationToken: cancellationToken));
            return [.. rows.Select(r => r.ToMedia())];
        }
    }

    public async Task<(long Count, long Bytes)> TotalsAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var totals = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
                "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM matrix_remote_media", cancellationToken: cancellationToken));
            return totals;
        }
    }

    public async Task<bool> RemoveAsync(string serverName, string mediaId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM matrix_remote_media WHERE server_name = @serverName AND media_id = @mediaId",
                new { serverName, mediaId }, cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task<bool> HoldsBlobAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM matrix_remote_media WHERE sha256 = @sha256)", new { sha256 }, cancellationToken: cancellationToken));
        }
    }

    /// <summary>A row of <c>matrix_remote_media</c>, its times in unix milliseconds.</summary>
    private sealed record Row(string ServerName, string MediaId, string Sha256, string ContentType, string? FileName, long Size, long Fetched, long LastAccess)
    {
        public static Row From(MatrixRemoteMedia media) => new(media.ServerName, media.MediaId, media.Sha256, media.ContentType, media.FileName, media.Size,
            media.Fetched.ToUnixTimeMilliseconds(), media.LastAccess.ToUnixTimeMilliseconds());

        public MatrixRemoteMedia ToMedia() => new(ServerName, MediaId, Sha256, ContentType, FileName, Size,
            DateTimeOffset.FromUnixTimeMilliseconds(Fetched), DateTimeOffset.FromUnixTimeMilliseconds(LastAccess));
    }
}
