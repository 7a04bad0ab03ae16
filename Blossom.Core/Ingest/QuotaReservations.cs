using Blossom.Core.Blobs;

namespace Blossom.Core.Ingest;

/// <summary>
/// The per-pubkey storage quota, enforced across concurrent writes. A write reserves its bytes
/// before it stores anything: the reservation is granted only when what the index counts for the
/// pubkey, plus every reservation still outstanding, plus this one fits the quota, and it is held
/// until the write's blob is in the index (from then on the index counts it) or was discarded.
/// Checking usage alone let concurrent uploads all see the same room and all take it.
/// </summary>
/// <remarks>
/// A committed blob is counted twice for the moment between its index row and the release of its
/// reservation: a new write may be refused at the very edge of the quota, never admitted past it. A
/// write that already holds its room is not checked again, so the writes admitted together all land.
/// Reservations live in this process's memory: right for one node, and a restart ends every write
/// that held one. Several nodes need a reservation that all of them see.
/// </remarks>
public sealed class QuotaReservations(IBlobIndex index, long quotaBytes) : IQuotaReservations
{
    // The check and the reservation of one pubkey happen under one stripe, so no two writes see the same room.
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly Dictionary<string, long> _reserved = new(StringComparer.Ordinal);
    private readonly Lock _reservedLock = new();

    public long QuotaBytes => quotaBytes;

    public async Task<IQuotaReservation> ReserveAsync(string? pubkey, string? sha256, long? bytes, CancellationToken cancellationToken)
    {
        var reservation = new QuotaReservation(this, pubkey);
        await reservation.ResizeAsync(sha256, bytes, cancellationToken);
        return reservation;
    }

    /// <summary>Replaces the <paramref name="heldBytes"/> a reservation holds with <paramref name="bytes"/>, when they fit.</summary>
    internal async Task<(bool Granted, long UsedBytes, long HeldBytes)> ResizeAsync(string? pubkey, long heldBytes, string? sha256, long? bytes, CancellationToken cancellationToken)
    {
        if (quotaBytes == 0 || pubkey is null || bytes is not { } wanted)
            return (true, 0, heldBytes);
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(pubkey) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            // Reservations first, then the index: a write releases its room (without the stripe) only
            // after its blob is in the index, so read in this order it is counted in one or both. Read
            // the other way round it could commit and release in between, counted in neither.
            var othersReserved = Reserved(pubkey) - heldBytes;
            var usage = await index.UsageAsync(pubkey, sha256, cancellationToken);
            var used = usage.UsedBytes + othersReserved;
            if (usage.OwnsBlob)
                wanted = 0;
            // Room already held stays granted: checked again, a concurrent write's blob that is in
            // the index but not yet released would count twice and refuse a write that fits.
            if (wanted > heldBytes && used + wanted > quotaBytes)
                return (false, used, heldBytes);
            Adjust(pubkey, wanted - heldBytes);
            return (true, used, wanted);
        }
        finally
        {
            stripe.Release();
        }
    }

    internal void Release(string pubkey, long bytes) => Adjust(pubkey, -bytes);

    private long Reserved(string pubkey)
    {
        lock (_reservedLock)
            return _reserved.GetValueOrDefault(pubkey);
    }

    private void Adjust(string pubkey, long delta)
    {
        if (delta == 0)
            return;
        lock (_reservedLock)
        {
            var total = _reserved.GetValueOrDefault(pubkey) + delta;
            if (total == 0)
                _reserved.Remove(pubkey);
            else
                _reserved[pubkey] = total;
        }
    }
}
