using Blossom.Core.Blobs;

namespace Blossom.Core.Storage;

/// <summary>
/// Small blobs' bytes kept as rows of the database beside the index (<see cref="SmallBlobStore"/>):
/// one durable commit per batch of concurrent writes instead of a file, its fsync and a rename each.
/// </summary>
public interface ISmallBlobTable
{
    /// <summary>
    /// Stores the blob's bytes durably; false when a row of that hash was there already. Not cancellable
    /// once called: concurrent adds share one commit, and the caller must learn whether its row is in.
    /// </summary>
    Task<bool> AddAsync(string sha256, byte[] bytes);

    /// <summary>The blob's bytes, or null when the table does not hold it.</summary>
    Task<byte[]?> FindAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>The blob's length in bytes, or null when the table does not hold it.</summary>
    Task<long?> LengthAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Every blob the table holds, with when it was stored, for sweeps.</summary>
    IAsyncEnumerable<StoredBlob> EnumerateAsync(CancellationToken cancellationToken);

    /// <summary>Removes the blob's row; false when there was none.</summary>
    Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken);
}
