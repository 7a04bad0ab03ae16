using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// The per-pubkey quota for every node on one database. The decision that lets a write be stored is
/// taken under an advisory lock of the pubkey's, and the lock is held until the write's blob is in
/// the index (or discarded): the next write of that pubkey, on whatever node, decides only after it
/// and counts it. Before the body, the announced size is checked against the index alone, which
/// refuses early what cannot fit but holds nothing.
/// </summary>
/// <remarks>
/// Why a lock rather than a table of reservations: a row per write under way would have to outlive
/// nothing, yet a node that dies mid-upload leaves its rows behind, so they would need a lease, a
/// heartbeat for uploads longer than the lease, and a sweep, and a stale row would block room that no
/// write uses. A lock is released by PostgreSQL itself when its session ends, and the index already
/// counts every committed blob. What it costs: room is not held while a body arrives, so of several
/// concurrent writes that fit one at a time, the later ones are refused after their body rather
/// than before it. The stored total never passes the quota either way.
/// </remarks>
public sealed class PostgresQuotaReservations(string connectionString, IBlobIndex index, long quotaBytes) : IQuotaReservations, IAsyncDisposable
{
    // The first of the two 32-bit lock keys: keeps these locks apart from any other pair-keyed ones.
    private const int QuotaLockSpace = 0x426c6f71; // "Bloq"

    private readonly PostgresAdvisoryLocks _locks = new(connectionString, "quota locks");

    public long QuotaBytes => quotaBytes;

    public async Task<IQuotaReservation> ReserveAsync(string? pubkey, string? sha256, long? bytes, CancellationToken cancellationToken)
    {
        var reservation = new Reservation(this, pubkey);
        await reservation.CheckAsync(sha256, bytes, cancellationToken);
        return reservation;
    }

    public ValueTask DisposeAsync() => _locks.DisposeAsync();

    private bool Applies(string? pubkey, long? bytes) => quotaBytes != 0 && pubkey is not null && bytes is not null;

    /// <summary>What the pubkey's blobs take, and whether <paramref name="bytes"/> more fit.</summary>
    private async Task<(bool Granted, long UsedBytes)> FitsAsync(string pubkey, string? sha256, long bytes, CancellationToken cancellationToken)
    {
        var usage = await index.UsageAsync(pubkey, sha256, cancellationToken);
        return (usage.OwnsBlob || usage.UsedBytes + bytes <= quotaBytes, usage.UsedBytes);
    }

    /// <summary>
    /// The owner's lock, keyed by 32 bits of it: a pubkey's first, as pubkeys are random-looking; those
    /// of the SHA-256 of any other owner (a Matrix user id). Two owners that share a lock only wait for each other.
    /// </summary>
    private Task<IAsyncDisposable> EnterAsync(string owner, CancellationToken cancellationToken) =>
        _locks.EnterAsync(QuotaLockSpace, BinaryPrimitives.ReadInt32BigEndian(
            BlobHash.IsValid(owner) ? Convert.FromHexString(owner.AsSpan(0, 8)) : SHA256.HashData(Encoding.UTF8.GetBytes(owner))), cancellationToken);

    private sealed class Reservation(PostgresQuotaReservations owner, string? pubkey) : IQuotaReservation
    {
        private IAsyncDisposable? _section;

        public bool Granted { get; private set; } = true;

        public long UsedBytes { get; private set; }

        public long RequestedBytes { get; private set; }

        /// <summary>The check before the body: against the index, holding nothing.</summary>
        public async Task CheckAsync(string? sha256, long? bytes, CancellationToken cancellationToken)
        {
            RequestedBytes = bytes ?? 0;
            if (owner.Applies(pubkey, bytes))
                (Granted, UsedBytes) = await owner.FitsAsync(pubkey!, sha256, bytes!.Value, cancellationToken);
        }

        public async Task<bool> ResizeAsync(string? sha256, long? bytes, CancellationToken cancellationToken)
        {
            RequestedBytes = bytes ?? 0;
            if (!owner.Applies(pubkey, bytes))
                return Granted = true;
            _section ??= await owner.EnterAsync(pubkey!, cancellationToken);
            (Granted, UsedBytes) = await owner.FitsAsync(pubkey!, sha256, bytes!.Value, cancellationToken);
            if (!Granted)
                await DisposeAsync();
            return Granted;
        }

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _section, null)?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
