namespace Blossom.Core.Ingest;

/// <summary>Room held in this process's memory for one write (<see cref="QuotaReservations"/>).</summary>
internal sealed class QuotaReservation : IQuotaReservation
{
    private readonly QuotaReservations _owner;
    private readonly string? _pubkey;
    private long _held;

    internal QuotaReservation(QuotaReservations owner, string? pubkey) => (_owner, _pubkey) = (owner, pubkey);

    public bool Granted { get; private set; } = true;

    public long UsedBytes { get; private set; }

    public long RequestedBytes { get; private set; }

    public async Task<bool> ResizeAsync(string? sha256, long? bytes, CancellationToken cancellationToken)
    {
        var (granted, used, held) = await _owner.ResizeAsync(_pubkey, _held, sha256, bytes, cancellationToken);
        (Granted, UsedBytes, RequestedBytes) = (granted, used, bytes ?? 0);
        if (granted)
            _held = held;
        else
            Release();
        return granted;
    }

    public ValueTask DisposeAsync()
    {
        Release();
        return ValueTask.CompletedTask;
    }

    private void Release()
    {
        if (_pubkey is not null && _held != 0)
            _owner.Release(_pubkey, _held);
        _held = 0;
    }
}
