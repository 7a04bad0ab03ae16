namespace Blossom.Core.Blobs;

/// <summary>
/// Room held in a pubkey's quota for one write. <see cref="Granted"/> false means the write does
/// not fit (nothing is held then); dispose once the blob is committed or discarded.
/// </summary>
public sealed class QuotaReservation : IDisposable
{
    private readonly QuotaReservations _owner;
    private readonly string? _pubkey;
    private long _held;

    internal QuotaReservation(QuotaReservations owner, string? pubkey) => (_owner, _pubkey) = (owner, pubkey);

    public bool Granted { get; private set; } = true;

    /// <summary>What the pubkey's blobs and its other writes under way took when this was decided.</summary>
    public long UsedBytes { get; private set; }

    /// <summary>What this write asked for.</summary>
    public long RequestedBytes { get; private set; }

    public long QuotaBytes => _owner.QuotaBytes;

    /// <summary>
    /// Once the body is in, its real hash and size replace the announced ones (a body without
    /// Content-Length reserved nothing before). False when they no longer fit; nothing is held then.
    /// </summary>
    public async Task<bool> ResizeAsync(string? sha256, long? bytes, CancellationToken cancellationToken)
    {
        var (granted, used, held) = await _owner.ResizeAsync(_pubkey, _held, sha256, bytes, cancellationToken).ConfigureAwait(false);
        (Granted, UsedBytes, RequestedBytes) = (granted, used, bytes ?? 0);
        if (granted)
            _held = held;
        else
            Dispose();
        return granted;
    }

    public void Dispose()
    {
        if (_pubkey is not null && _held != 0)
            _owner.Release(_pubkey, _held);
        _held = 0;
    }
}
