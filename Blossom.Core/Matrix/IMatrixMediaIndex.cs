namespace Blossom.Core.Matrix;

/// <summary>Which Matrix media id names which blob, and the created ids still waiting for their upload.</summary>
public interface IMatrixMediaIndex
{
    /// <summary>
    /// Records a created id unless its owner already has <paramref name="maxPending"/> unexpired
    /// pending ids (checked and inserted at once, so concurrent creates cannot pass the limit together);
    /// false when the limit refused it.
    /// </summary>
    Task<bool> CreatePendingAsync(MatrixMedia media, int maxPending, CancellationToken cancellationToken);

    /// <summary>The media with this id, pending, expired or uploaded; null when unknown.</summary>
    Task<MatrixMedia?> FindAsync(string mediaId, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a pending id its blob. False when the id is not pending any more (uploaded, expired by
    /// <paramref name="now"/>, forgotten) or not <paramref name="owner"/>'s: the caller finds out which.
    /// </summary>
    Task<bool> CompleteAsync(string mediaId, string owner, string sha256, string contentType, string? fileName, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records media uploaded together with their new id.</summary>
    Task AddUploadedAsync(MatrixMedia media, CancellationToken cancellationToken);

    /// <summary>How many of the owner's created ids wait for an upload and have not expired by <paramref name="now"/>.</summary>
    Task<int> PendingCountAsync(string owner, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>When the first of the owner's unexpired pending ids expires, freeing room under the limit; null when none waits.</summary>
    Task<DateTimeOffset?> NextPendingExpiryAsync(string owner, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Forgets the pending ids expired by <paramref name="now"/>; returns their ids.</summary>
    Task<IReadOnlyList<string>> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
