namespace Blossom.Core.Media;

/// <summary>
/// Wakes the long-polls waiting for a task to change. The in-process notifier reaches the waiters
/// of this process; a shared one also those of every other node.
/// </summary>
public interface IMediaChangeNotifier
{
    /// <summary>
    /// A signal that completes at the task's next change. Taken before the task is read, so a
    /// change between the read and the wait is not missed.
    /// </summary>
    Task Subscribe(string taskId);

    /// <summary>Drops a signal from <see cref="Subscribe"/> whose caller will not wait on it.</summary>
    void Unsubscribe(string taskId, Task signal);

    /// <summary>Completes the signals of these tasks, once the change is stored.</summary>
    Task NotifyAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken);
}
