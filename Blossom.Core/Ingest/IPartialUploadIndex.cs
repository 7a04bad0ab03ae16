namespace Blossom.Core.Ingest;

/// <summary>
/// The state of partial uploads (BUD-14), shared by every node on the same database: which uploads
/// are under way, which chunks each holds, and who may add to them.
/// </summary>
public interface IPartialUploadIndex
{
    /// <summary>
    /// Records <paramref name="upload"/> unless an upload of its hash exists; answers the one that exists
    /// afterwards, and whether this call made it.
    /// </summary>
    Task<(PartialUpload Upload, bool Created)> StartAsync(PartialUpload upload, CancellationToken cancellationToken);

    Task<PartialUpload?> FindAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>The upload's recorded chunks, by offset.</summary>
    Task<IReadOnlyList<PartialChunk>> ChunksAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Marks activity at <paramref name="now"/>, so a long chunk does not look idle; false when the upload is gone.</summary>
    Task<bool> TouchAsync(string sha256, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records a chunk whose bytes are stored and marks activity; answers every chunk recorded, this one
    /// included, by offset, or null when the upload is gone (expired or finished meanwhile).
    /// </summary>
    Task<IReadOnlyList<PartialChunk>?> AddChunkAsync(string sha256, PartialChunk chunk, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Claims the upload for completion; exactly one caller gets true.</summary>
    Task<bool> ClaimCompletionAsync(string sha256, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Forgets the upload and its chunks; false when it was gone.</summary>
    Task<bool> RemoveAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets every upload with no activity since <paramref name="idleSince"/> (a completion that stalled
    /// that long too) and answers their hashes, so their bytes can go; each hash goes to one caller only.
    /// </summary>
    Task<IReadOnlyList<string>> RemoveIdleAsync(DateTimeOffset idleSince, CancellationToken cancellationToken);
}
