using System.Collections.Concurrent;

namespace Blossom.Core.Media;

/// <summary>Long-poll signals of this process: one per task that somebody waits for, completed and dropped at its change.</summary>
public sealed class InProcessMediaChangeNotifier : IMediaChangeNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changes = new(StringComparer.Ordinal);

    public Task Subscribe(string taskId) =>
        _changes.GetOrAdd(taskId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Unsubscribe(string taskId, Task signal)
    {
        // Only the signal the caller holds: a change may have replaced it with a newer one already.
        if (_changes.TryGetValue(taskId, out var current) && current.Task == signal)
            _changes.TryRemove(new KeyValuePair<string, TaskCompletionSource>(taskId, current));
    }

    public Task NotifyAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        foreach (var id in taskIds)
            Notify(id);
        return Task.CompletedTask;
    }

    public void Notify(string taskId)
    {
        if (_changes.TryRemove(taskId, out var signal))
            signal.TrySetResult();
    }

    /// <summary>Wakes every waiter, which reads its task again: for when changes may have been missed.</summary>
    public void NotifyAll()
    {
        foreach (var id in _changes.Keys)
            Notify(id);
    }
}
