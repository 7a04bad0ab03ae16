namespace Blossom.Core.Matrix;

/// <summary>The remote media cache's rows: which blob holds which media of another server, and when it was last used.</summary>
public interface IMatrixRemoteMediaIndex
{
    /// <summary>The cached media; null when it is not cached.</summary>
    Task<MatrixRemoteMedia?> FindAsync(string serverName, string mediaId, CancellationToken cancellationToken);

    /// <summary>The cached media and the remote's thumbnails of it (cached as <c>mediaId/thumbnail/…</c>).</summary>
    Task<IReadOnlyList<MatrixRemoteMedia>> FindWithThumbnailsAsync(string serverName, string mediaId, CancellationToken cancellationToken);

    /// <summary>Records a fetched media, replacing what was recorded for the same server and id.</summary>
    Task AddAsync(MatrixRemoteMedia media, CancellationToken cancellationToken);

    /// <summary>Records that the media was served at <paramref name="at"/>.</summary>
    Task TouchAsync(string serverName, string mediaId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> cached media, least recently used first; only those of
    /// <paramref name="serverName"/> when given, only those last used before <paramref name="accessedBefore"/> when given.
    /// </summary>
    Task<IReadOnlyList<MatrixRemoteMedia>> ListLeastRecentAsync(string? serverName, DateTimeOffset? accessedBefore, int limit, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> cached media in (server, media id) order after the given pair (null: from the start), for copying.</summary>
    Task<IReadOnlyList<MatrixRemoteMedia>> ListAsync((string ServerName, string MediaId)? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many media are cached and how many bytes they take (a blob named by two media counts twice).</summary>
    Task<(long Count, long Bytes)> TotalsAsync(CancellationToken cancellationToken);

    /// <summary>Forgets the media; false when it was not cached.</summary>
    Task<bool> RemoveAsync(string serverName, string mediaId, CancellationToken cancellationToken);

    /// <summary>Whether any cached media (of any server) is held by this blob.</summary>
    Task<bool> HoldsBlobAsync(string sha256, CancellationToken cancellationToken);
}
