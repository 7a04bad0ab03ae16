using Blossom.Core.Blobs;

namespace Blossom.Core.Ingest;

/// <summary>
/// Where the chunks of chunked uploads (BUD-14) wait until the whole blob is there: beside the blob
/// store (its temp area on the file system, the bucket on S3), so they survive a restart and, on S3,
/// are seen by every node. An upload's bytes go by its <see cref="ChunkedUpload.Id"/>.
/// </summary>
public interface IChunkedUploadStore
{
    /// <summary>Prepares the store; chunks of uploads under way are kept.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores exactly <paramref name="length"/> bytes of <paramref name="body"/> durably as bytes
    /// [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of the upload
    /// <paramref name="id"/> and answers the chunk to record. Throws <see cref="EndOfStreamException"/>
    /// when the body ends early; nothing of it then counts.
    /// </summary>
    Task<StoredChunk> WriteChunkAsync(string id, long offset, long length, Stream body, CancellationToken cancellationToken);

    /// <summary>
    /// The finished blob, rebuilt from <paramref name="chunks"/> (which cover [0, <paramref name="length"/>),
    /// overlapping or not) as a pending write of the blob store, with the hash and size of its bytes.
    /// </summary>
    Task<(IPendingBlob Pending, ReceivedBlob Received)> AssembleAsync(string id, long length, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken);

    /// <summary>Removes every chunk of the upload <paramref name="id"/>, recorded or not.</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>The uploads that have bytes here, with when they were last written, to sweep those no index knows.</summary>
    IAsyncEnumerable<StoredChunkedUpload> EnumerateAsync(CancellationToken cancellationToken);
}
