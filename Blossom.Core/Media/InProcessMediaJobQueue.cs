using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Blossom.Core.Media;

/// <summary>
/// The queue of a single node: a channel the workers read, and the jobs it holds by original.
/// Nothing survives the process; the task rows do, and start-up queues them again.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a queue of jobs, not a collection type named after its base.")]
public sealed class InProcessMediaJobQueue : IMediaJobQueue, IDisposable
{
    // Unbounded: capacity is checked when a request is admitted, and jobs queued again after a
    // restart were admitted once.
    private readonly Channel<MediaJob> _waiting = Channel.CreateUnbounded<MediaJob>();
    private readonly ConcurrentDictionary<string, Entry> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);

    public InProcessMediaJobQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public bool Durable => false;

    public int Capacity { get; }

    public int LastCountedWaiting => _waiting.Reader.Count;

    public void Dispose() => _lock.Dispose();

    public async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        return new Releaser(_lock);
    }

    public Task<int> CountWaitingAsync(CancellationToken cancellationToken) => Task.FromResult(_waiting.Reader.Count);

    public Task<MediaJob?> FindAsync(string originalSha256, CancellationToken cancellationToken) =>
        Task.FromResult(_jobs.TryGetValue(originalSha256, out var entry) ? entry.Job : null);

    public Task<bool> TryEnqueueAsync(MediaJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (_waiting.Reader.Count >= Capacity)
            return Task.FromResult(false);
        Add(job);
        return Task.FromResult(true);
    }

    public Task RequeueAsync(MediaJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        Add(job);
        return Task.CompletedTask;
    }

    public async Task<IMediaJobClaim> ClaimAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var job = await _waiting.Reader.ReadAsync(cancellationToken);
            // A job removed while it waited stays in the channel; it is skipped here.
            if (_jobs.TryGetValue(job.OriginalSha256, out var entry) && entry.Job.JobId == job.JobId)
                return new Claim(this, entry);
        }
    }

    public async Task<bool> RemoveAsync(MediaJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!_jobs.TryGetValue(job.OriginalSha256, out var entry) || entry.Job.JobId != job.JobId
            || !_jobs.TryRemove(new KeyValuePair<string, Entry>(job.OriginalSha256, entry)))
            return false;
        await entry.Cancel.CancelAsync();
        return true;
    }

    private void Add(MediaJob job)
    {
        _jobs[job.OriginalSha256] = new Entry(job, new CancellationTokenSource());
        // Unbounded and never completed: the write always succeeds.
        _waiting.Writer.TryWrite(job);
    }

    /// <summary>A job and the switch that stops its run when it is removed.</summary>
    private sealed record Entry(MediaJob Job, CancellationTokenSource Cancel);

    private sealed class Claim(InProcessMediaJobQueue queue, Entry entry) : IMediaJobClaim
    {
        public MediaJob Job => entry.Job;

        // Jobs do not outlive the process, so this process's claim is the job's only one; the task
        // rows count the attempts across restarts.
        public int Attempt => 1;

        public CancellationToken Lost => entry.Cancel.Token;

        public Task<bool> HoldsAsync(CancellationToken cancellationToken) =>
            Task.FromResult(queue._jobs.TryGetValue(Job.OriginalSha256, out var current) && current == entry);

        // The process is stopping: the task rows keep the job for the next start.
        public Task ReleaseAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            semaphore.Release();
            return ValueTask.CompletedTask;
        }
    }
}
