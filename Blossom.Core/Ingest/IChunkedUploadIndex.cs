namespace Blossom.Core.Ingest;

/// <summary>
/// The state of chunked uploads (BUD-14), shared by every node on the same database: which uploads
/// are under way, whose they are, which chunks each holds, and who is completing one.
/// </summary>
public interface IChunkedUploadIndex
{
    /// <summary>
    /// Prepares the index at start-up. A database that only this process uses releases every completion
    /// claim, since their holder was this process's previous run; a shared one lets claims lapse instead.
    /// </summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records <paramref name="upload"/> unless its owner already has an upload of its hash; answers the
    /// one that exists afterwards, and whether this call made it.
    /// </summary>
    Task<(ChunkedUpload Upload, bool Created)> StartAsync(ChunkedUpload upload, CancellationToken cancellationToken);

    /// <summary>The upload of <paramref name="sha256"/> by <paramref name="owner"/> (null: the anonymous one).</summary>
    Task<ChunkedUpload?> FindAsync(string sha256, string? owner, CancellationToken cancellationToken);

    /// <summary>Every uploader's upload of <paramref name="sha256"/>.</summary>
    Task<IReadOnlyList<ChunkedUpload>> OfBlobAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Whether the upload <paramref name="id"/> is under way.</summary>
    Task<bool> ExistsAsync(string id, CancellationToken cancellationToken);

    /// <summary>The upload's recorded chunks, by offset.</summary>
    Task<IReadOnlyList<StoredChunk>> ChunksAsync(string id, CancellationToken cancellationToken);

    /// <summary>Marks activity at <paramref name="now"/>, so a long chunk does not look idle; false when the upload is gone.</summary>
    Task<bool> TouchAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records chunks whose bytes are stored (none: only marks activity) and marks activity; answers every
    /// chunk recorded, these included, by offset, or null when the upload is gone (expired or finished meanwhile).
    /// </summary>
    Task<IReadOnlyList<StoredChunk>?> AddChunksAsync(string id, IReadOnlyList<StoredChunk> chunks, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the upload for completion until <paramref name="until"/>, unless a claim holds at
    /// <paramref name="now"/>; of callers at once, exactly one gets true. Counts as activity.
    /// </summary>
    Task<bool> ClaimCompletionAsync(string id, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Extends a held claim to <paramref name="until"/> and marks activity; false when the upload is gone.</summary>
    Task<bool> RenewClaimAsync(string id, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>
    /// The uploads that may hold every byte (their chunks add up to their length) yet nobody completes:
    /// no claim holds at <paramref name="now"/>, and no activity since <paramref name="quietSince"/>, so that
    /// a chunk about to claim its upload is not raced. Left so by a node that died while completing one.
    /// </summary>
    Task<IReadOnlyList<ChunkedUpload>> StalledAsync(DateTimeOffset now, DateTimeOffset quietSince, CancellationToken cancellationToken);

    /// <summary>Forgets the upload and its chunks; false when it was gone.</summary>
    Task<bool> RemoveAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets every upload with no activity since <paramref name="idleSince"/> (a completion that stalled
    /// that long too) and answers their ids, so their bytes can go; each id goes to one caller only.
    /// </summary>
    Task<IReadOnlyList<string>> RemoveIdleAsync(DateTimeOffset idleSince, CancellationToken cancellationToken);

    /// <summary>How many chunked uploads are under way, the bytes their chunks hold, and the bytes they declared (what they hold of the quota, and will take once complete).</summary>
    Task<ChunkedUploadTotals> TotalsAsync(CancellationToken cancellationToken);
}

/// <summary>The chunked uploads under way: how many, the bytes their chunks hold, the bytes they declared.</summary>
public sealed record ChunkedUploadTotals(long Count, long HeldBytes, long DeclaredBytes);
