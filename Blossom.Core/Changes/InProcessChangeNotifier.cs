namespace Blossom.Core.Changes;

/// <summary>
/// Long-poll signals of this process: one per key that somebody waits for, shared by its waiters,
/// completed and dropped at the key's change, and dropped when its last waiter stops waiting, so keys
/// nobody waits for hold no memory.
/// </summary>
public sealed class InProcessChangeNotifier : IChangeNotifier
{
    private readonly Dictionary<string, Signal> _signals = new(StringComparer.Ordinal);

    public Task Subscribe(string key)
    {
        lock (_signals)
        {
            if (!_signals.TryGetValue(key, out var signal))
                _signals[key] = signal = new Signal();
            signal.Waiters++;
            return signal.Changed.Task;
        }
    }

    public void Unsubscribe(string key, Task signal)
    {
        lock (_signals)
        {
            // Only the signal the caller holds: a change may have replaced it with a newer one already.
            if (_signals.TryGetValue(key, out var current) && current.Changed.Task == signal && --current.Waiters == 0)
                _signals.Remove(key);
        }
    }

    public Task NotifyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
            Notify(key);
        return Task.CompletedTask;
    }

    public void Notify(string key)
    {
        Signal? signal;
        lock (_signals)
        {
            if (!_signals.Remove(key, out signal))
                return;
        }
        signal.Changed.TrySetResult();
    }

    /// <summary>Wakes every waiter, which reads its state again: for when changes may have been missed.</summary>
    public void NotifyAll()
    {
        string[] keys;
        lock (_signals)
            keys = [.. _signals.Keys];
        foreach (var key in keys)
            Notify(key);
    }

    private sealed class Signal
    {
        public TaskCompletionSource Changed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Waiters { get; set; }
    }
}
