namespace Blossom.Core.Blobs;

/// <summary>A blob being written: receive the bytes once, then commit or dispose (which discards).</summary>
public interface IPendingBlob : IAsyncDisposable
{
    /// <summary>
    /// Copies <paramref name="source"/> to temporary storage, hashing as it goes.
    /// Throws <see cref="BlobTooLargeException"/> as soon as more than <paramref name="maxLength"/> bytes arrive.
    /// </summary>
    Task<ReceivedBlob> ReceiveAsync(Stream source, long maxLength, CancellationToken cancellationToken);

    /// <summary>Moves the received bytes under their hash. False when the blob was already stored.</summary>
    Task<bool> CommitAsync(CancellationToken cancellationToken);
}

/// <summary>The hash and size of the bytes a <see cref="IPendingBlob"/> received.</summary>
public sealed record ReceivedBlob(string Sha256, long Size);
