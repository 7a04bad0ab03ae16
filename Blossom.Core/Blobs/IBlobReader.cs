namespace Blossom.Core.Blobs;

/// <summary>Reads a stored blob's bytes: what a stream that seeks by reading again needs.</summary>
public interface IBlobReader
{
    /// <summary>
    /// The blob's bytes from <paramref name="offset"/> (at most its length), <paramref name="length"/>
    /// of them or to the end, clipped at the end as an HTTP range is; null when the store does not
    /// have the blob. Once open, the stream reads its bytes even if the blob is deleted meanwhile.
    /// </summary>
    Task<BlobContent?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken);
}
