namespace Blossom.Core.Blobs;

/// <summary>
/// Where blob bytes live. Writes are two-phase: bytes go to a temporary place while they are
/// hashed, and only a committed blob appears under its hash, so a crash never leaves a torn blob.
/// </summary>
public interface IBlobStore : IBlobReader
{
    /// <summary>Prepares the store for use and removes what interrupted writes left behind.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts a write. With <paramref name="expectedSha256"/> (an announced hash) only bytes of that
    /// hash can be committed, so a store may send them towards the blob's final place while they
    /// arrive; null when the hash is known only once the bytes are in.
    /// </summary>
    Task<IPendingBlob> BeginWriteAsync(string? expectedSha256, CancellationToken cancellationToken);

    /// <summary>The blob's length in bytes, or null when the store does not have it.</summary>
    Task<long?> LengthAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// The blob as a local file, for tools that only read files (ffmpeg, libvips); null when the store
    /// does not have it. A store that keeps no local files hands out a temporary copy, which goes on dispose.
    /// </summary>
    Task<ILocalBlobFile?> GetLocalFileAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Every stored blob, in no particular order, for sweeps.</summary>
    IAsyncEnumerable<StoredBlob> EnumerateAsync(CancellationToken cancellationToken);

    /// <summary>Removes a blob's bytes; false when there were none.</summary>
    Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Writes and removes a probe, proving the store accepts writes now.</summary>
    Task CheckWritableAsync(CancellationToken cancellationToken);
}

/// <summary>A blob the store holds, and when its bytes were last written.</summary>
public sealed record StoredBlob(string Sha256, DateTimeOffset LastModified);

public sealed class BlobTooLargeException(long maxLength)
    : Exception($"The blob is larger than {maxLength} bytes.")
{
    public long MaxLength { get; } = maxLength;
}
