namespace Blossom.Core.Blobs;

/// <summary>A blob being written: receive the bytes once, then commit or dispose (which discards).</summary>
public interface IPendingBlob : IAsyncDisposable
{
    /// <summary>
    /// Copies <paramref name="source"/> to temporary storage, hashing as it goes.
    /// Throws <see cref="BlobTooLargeException"/> as soon as more than <paramref name="maxLength"/> bytes arrive.
    /// </summary>
    Task<ReceivedBlob> ReceiveAsync(Stream source, long maxLength, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the received bytes under their hash. False when the blob was already stored. Throws
    /// <see cref="InvalidOperationException"/> when they are not the bytes of the hash the write was begun with.
    /// </summary>
    Task<bool> CommitAsync(CancellationToken cancellationToken);
}

/// <summary>The hash and size of the bytes a <see cref="IPendingBlob"/> received.</summary>
public sealed record ReceivedBlob(string Sha256, long Size)
{
    /// <summary>
    /// Throws unless these are the bytes of <paramref name="expectedSha256"/>, when a write was begun
    /// with one: a store that sent them ahead to that hash's place must never complete other bytes there.
    /// </summary>
    public void ThrowUnlessHashIs(string? expectedSha256)
    {
        if (expectedSha256 is not null && !string.Equals(expectedSha256, Sha256, StringComparison.Ordinal))
            throw new InvalidOperationException($"The write was begun for {expectedSha256} but received bytes whose sha256 is {Sha256}.");
    }
}
