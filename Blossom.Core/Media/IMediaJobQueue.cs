namespace Blossom.Core.Media;

/// <summary>
/// The jobs waiting for a worker and those being worked on, at most one per original. The
/// in-process queue lives as long as the process; a shared one lets a worker on any node take a job
/// any node accepted, and hands the job of a worker that died to another.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a queue of jobs, not a collection type named after its base.")]
public interface IMediaJobQueue
{
    /// <summary>
    /// Whether jobs outlive the process. When they do not, start-up queues the tasks an earlier
    /// process left running again, and counts their attempts in the task rows.
    /// </summary>
    bool Durable { get; }

    /// <summary>Jobs waiting beyond those being worked on; a full queue refuses new ones.</summary>
    int Capacity { get; }

    /// <summary>Jobs waiting as this node last counted them, for the metrics gauge.</summary>
    int LastCountedWaiting { get; }

    /// <summary>
    /// Serializes the changes to which tasks a job serves (admission, joining, cancellation,
    /// completion) among everyone sharing the queue. Held for short steps only.
    /// </summary>
    Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken);

    /// <summary>Jobs that no worker holds.</summary>
    Task<int> CountWaitingAsync(CancellationToken cancellationToken);

    /// <summary>The job for an original, waiting or claimed; null when there is none.</summary>
    Task<MediaJob?> FindAsync(string originalSha256, CancellationToken cancellationToken);

    /// <summary>Adds a job for an original that has none, under the lock; false when the queue is full.</summary>
    Task<bool> TryEnqueueAsync(MediaJob job, CancellationToken cancellationToken);

    /// <summary>
    /// Adds again, under the lock, a job an earlier process had accepted, even beyond
    /// <see cref="Capacity"/>: it was admitted once, and refusing it now would lose its tasks.
    /// </summary>
    Task RequeueAsync(MediaJob job, CancellationToken cancellationToken);

    /// <summary>Waits until a job waits and claims it for this worker.</summary>
    Task<IMediaJobClaim> ClaimAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes a job, waiting or claimed, whose claim then reports it lost; false when that job
    /// was no longer there.
    /// </summary>
    Task<bool> RemoveAsync(MediaJob job, CancellationToken cancellationToken);
}
