namespace Blossom.Core.Changes;

/// <summary>
/// Wakes the long-polls waiting for something to change: a media task (keyed by its id) or a created
/// Matrix media id waiting for its upload (keyed by <see cref="Matrix.MatrixMediaService.ChangeKey"/>).
/// The in-process notifier reaches the waiters of this process; a shared one also those of every other node.
/// </summary>
public interface IChangeNotifier
{
    /// <summary>
    /// A signal that completes at the key's next change. Taken before the state is read, so a
    /// change between the read and the wait is not missed.
    /// </summary>
    Task Subscribe(string key);

    /// <summary>Drops a signal from <see cref="Subscribe"/> whose caller will not wait on it any more.</summary>
    void Unsubscribe(string key, Task signal);

    /// <summary>Completes the signals of these keys, once the change is stored.</summary>
    Task NotifyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);
}
