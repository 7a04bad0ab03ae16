namespace Blossom.Core.Ingest;

/// <summary>
/// Room in a pubkey's quota for one write. <see cref="Granted"/> false means the write does not
/// fit (nothing is held then); dispose once the blob is committed or discarded.
/// </summary>
public interface IQuotaReservation : IAsyncDisposable
{
    bool Granted { get; }

    /// <summary>What the pubkey's blobs and its other writes under way took when this was decided.</summary>
    long UsedBytes { get; }

    /// <summary>What this write asked for.</summary>
    long RequestedBytes { get; }

    /// <summary>
    /// Once the body is in, its real hash and size replace the announced ones (a body without a
    /// length reserved nothing before). False when they do not fit; nothing is held then. When
    /// granted, the room stays held until disposal, so commit before disposing.
    /// </summary>
    Task<bool> ResizeAsync(string? sha256, long? bytes, CancellationToken cancellationToken);
}
