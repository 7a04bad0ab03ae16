namespace Blossom.Core.Ingest;

/// <summary>
/// The per-pubkey storage quota (<c>Upload:QuotaBytesPerPubkey</c>), enforced across concurrent
/// writes: no two writes may both be admitted into the same room.
/// </summary>
public interface IQuotaReservations
{
    /// <summary>Bytes one pubkey may own; 0 means no quota.</summary>
    long QuotaBytes { get; }

    /// <summary>
    /// Asks for room for <paramref name="pubkey"/>'s write of <paramref name="bytes"/> (null: not known
    /// yet) of <paramref name="sha256"/> (null: not known, or the write is not that blob). Nothing is
    /// needed without a quota, a pubkey or a size, nor for a blob the pubkey already owns. Dispose the
    /// reservation once the write's blob is committed or discarded.
    /// </summary>
    Task<IQuotaReservation> ReserveAsync(string? pubkey, string? sha256, long? bytes, CancellationToken cancellationToken);
}
