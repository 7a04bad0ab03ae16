using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;
using Blossom.Core.Blobs;
using Blossom.Core.Storage.FileSystem;

namespace Blossom.Core.Media;

/// <summary>One unit of work in the queue: optimize this original. Requests for the same original share it.</summary>
public sealed record MediaJob(Guid JobId, string OriginalSha256, string OriginalType, MediaKind Kind);

/// <param name="QueueCapacity">Jobs waiting beyond those being worked on; a full queue refuses new uploads.</param>
/// <param name="MaxRunningTasksPerOwner">Unfinished tasks one pubkey may have.</param>
/// <param name="WorkPath">Local folder for originals and outputs in progress.</param>
/// <param name="Recipe">What originals become.</param>
public sealed record MediaPipelineSettings(int QueueCapacity, int MaxRunningTasksPerOwner, string WorkPath, MediaRecipe Recipe);

public enum MediaAdmission
{
    Accepted,
    QueueFull,
    TooManyTasks,
}

public enum MediaCancellation
{
    Canceled,
    NotFound,
    NotOwner,
    AlreadyComplete,
}

/// <summary>How a job ended, for the worker's log.</summary>
/// <param name="Job">The job.</param>
/// <param name="Status">How its tasks ended; running when the server is stopping and will resume them.</param>
/// <param name="Rejection">Set when the media could not be optimized.</param>
/// <param name="Failure">Set when the server failed; the tasks were ended with a message.</param>
public sealed record MediaJobOutcome(MediaJob Job, MediaTaskStatus Status, MediaRejectedException? Rejection = null, Exception? Failure = null);

/// <summary>
/// The media queue and the rules around it: admission (queue length, per-pubkey limit), one job per
/// original however many requests share it, dedupe by a stored result, cancellation that reaches the
/// running tool, completion that hands the result to every requester, recovery after a restart.
/// Task state lives in <see cref="IMediaTaskStore"/>; this class only holds what a restart may lose.
/// </summary>
public sealed class MediaPipeline : IDisposable
{
    private const string OriginalLost = "The server restarted and no longer has the original; upload it again";
    private const string FailedRepeatedly = "This media failed repeatedly; the server gave up on it";
    private const string ServerFailed = "The server failed to optimize this media; try again later";

    // Starts of a job that did not end (the server died meanwhile) before recovery gives up: media
    // that crashes the tool's host at every start would otherwise take the server down forever.
    private const int MaxAttempts = 3;

    private readonly IMediaTaskStore _tasks;
    private readonly BlobService _blobs;
    private readonly IMediaOptimizer _optimizer;
    private readonly MediaPipelineSettings _settings;
    private readonly TimeProvider _time;
    private readonly Channel<MediaJob> _queue;
    private readonly string _outputFolder;
    // Every change to which tasks a job serves happens under this gate, so completion, cancellation
    // and a new request for the same original never interleave. It is held only for short steps.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, ActiveJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changes = new(StringComparer.Ordinal);

    public MediaPipeline(IMediaTaskStore tasks, BlobService blobs, IMediaOptimizer optimizer, MediaPipelineSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (_tasks, _blobs, _optimizer, _settings, _time) = (tasks, blobs, optimizer, settings, time);
        _queue = Channel.CreateBounded<MediaJob>(new BoundedChannelOptions(settings.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
        Originals = new FileSystemBlobStore(Path.Combine(settings.WorkPath, "originals"));
        _outputFolder = Path.GetFullPath(Path.Combine(settings.WorkPath, "output"));
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Uploaded originals, kept until their job ends; never served.</summary>
    public FileSystemBlobStore Originals { get; }

    public ChannelReader<MediaJob> Jobs => _queue.Reader;

    public int QueueLength => _queue.Reader.Count;

    /// <summary>
    /// Creates the work folders, ends ffmpeg runs that an earlier process left behind, and removes
    /// the outputs they half wrote.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await Originals.InitializeAsync(cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(_outputFolder);
        FfmpegProcess.KillStrays(_outputFolder);
        foreach (var leftover in Directory.EnumerateFiles(_outputFolder))
            File.Delete(leftover);
    }

    /// <summary>Whether a request from <paramref name="owner"/> may start now; checked before its body is read.</summary>
    public async Task<MediaAdmission> AdmitAsync(string? owner, CancellationToken cancellationToken)
    {
        if (QueueLength >= _settings.QueueCapacity)
            return MediaAdmission.QueueFull;
        if (await HasTooManyTasksAsync(owner, cancellationToken).ConfigureAwait(false))
            return MediaAdmission.TooManyTasks;
        return MediaAdmission.Accepted;
    }

    /// <summary>
    /// Creates the task for a received original: complete at once when the same original was
    /// optimized before under the same recipe, joined to the running job for it, or queued as a new
    /// job. Refused (no task, the original left uncommitted) when the queue filled up or the owner
    /// reached the limit of unfinished tasks while the body arrived.
    /// </summary>
    public async Task<(MediaAdmission Outcome, MediaTask? Task)> SubmitAsync(IPendingBlob original, ReceivedBlob received, string type, string? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(received);
        var kind = MediaKinds.Of(type) ?? throw new ArgumentException($"{type} is not a media type the optimizer takes", nameof(type));
        var sha256 = received.Sha256;
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var id = Guid.NewGuid().ToString();
        string[] owners = owner is null ? [] : [owner];

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await _tasks.FindResultAsync(sha256, _settings.Recipe.Fingerprint, cancellationToken).ConfigureAwait(false) is { } resultSha256
                && await _blobs.AddOwnersAsync(resultSha256, owners, cancellationToken).ConfigureAwait(false) is { } result)
            {
                var done = new MediaTask(id, owner, sha256, type, MediaTaskStatus.Complete, 100, "Optimized before: this original was uploaded earlier", result, false, now, now);
                await _tasks.InsertAsync(done, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.Accepted, done);
            }
            // Checked again here because the check before the body let in every request whose body
            // was still arriving; under the gate, concurrent submissions count each other.
            if (await HasTooManyTasksAsync(owner, cancellationToken).ConfigureAwait(false))
                return (MediaAdmission.TooManyTasks, null);

            // Kept until the job ends; when a job for it already runs, this is a no-op.
            await original.CommitAsync(cancellationToken).ConfigureAwait(false);
            var task = new MediaTask(id, owner, sha256, type, MediaTaskStatus.Running, 0, "Queued", null, false, now, now);
            if (_jobs.TryGetValue(sha256, out var running))
            {
                await _tasks.InsertAsync(task, cancellationToken).ConfigureAwait(false);
                running.Attach(id);
                return (MediaAdmission.Accepted, task);
            }

            if (QueueLength >= _settings.QueueCapacity)
            {
                await Originals.DeleteAsync(sha256, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.QueueFull, null);
            }
            var job = new ActiveJob(new MediaJob(Guid.NewGuid(), sha256, type, kind));
            job.Attach(id);
            await _tasks.InsertAsync(task, cancellationToken).ConfigureAwait(false);
            _jobs[sha256] = job;
            // Only this gate's holders write, and they check room first: the write cannot fail
            // unless recovery filled the queue, in which case the request is refused like any other.
            if (!_queue.Writer.TryWrite(job.Job))
            {
                _jobs.TryRemove(sha256, out _);
                await _tasks.CancelAsync([id], "The media queue is full", cancellationToken).ConfigureAwait(false);
                await Originals.DeleteAsync(sha256, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.QueueFull, null);
            }
            return (MediaAdmission.Accepted, task);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> HasTooManyTasksAsync(string? owner, CancellationToken cancellationToken) =>
        owner is not null && await _tasks.CountRunningForOwnerAsync(owner, cancellationToken).ConfigureAwait(false) >= _settings.MaxRunningTasksPerOwner;

    public Task<MediaTask?> FindAsync(string id, CancellationToken cancellationToken) => _tasks.FindAsync(id, cancellationToken);

    /// <summary>
    /// Cancels a task for its owner. The job stops (its ffmpeg process ends) only when no other
    /// request shares it. A task that already ended canceled stays so; a complete one cannot be.
    /// </summary>
    public async Task<(MediaCancellation Outcome, MediaTask? Task)> CancelAsync(string id, string requester, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var task = await _tasks.FindAsync(id, cancellationToken).ConfigureAwait(false);
            if (task is null)
                return (MediaCancellation.NotFound, null);
            if (task.Owner != requester)
                return (MediaCancellation.NotOwner, task);
            if (task.Status == MediaTaskStatus.Complete)
                return (MediaCancellation.AlreadyComplete, task);
            if (task.IsRunning)
            {
                await _tasks.CancelAsync([id], "Canceled by its owner", cancellationToken).ConfigureAwait(false);
                if (_jobs.TryGetValue(task.OriginalSha256, out var job) && job.Detach(id))
                {
                    // Nobody waits for this job any more: a later request for the original starts afresh.
                    _jobs.TryRemove(task.OriginalSha256, out _);
                    await job.CancelAsync().ConfigureAwait(false);
                }
                Notify(id);
            }
            return (MediaCancellation.Canceled, await _tasks.FindAsync(id, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Waits until the task changes (progress, message or end) or <paramref name="timeout"/> passes,
    /// and returns it as it is then: the long-poll of <c>GET /media/&lt;id&gt;?wait=N</c>.
    /// </summary>
    public async Task<MediaTask?> WaitForChangeAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Subscribe before reading, so a change between the read and the wait is not missed.
        var signal = _changes.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var task = await _tasks.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (task is not { IsRunning: true } || timeout <= TimeSpan.Zero)
        {
            _changes.TryRemove(new KeyValuePair<string, TaskCompletionSource>(id, signal));
            return task;
        }
        try
        {
            // WaitAsync disposes its timer when the signal comes first; a Task.Delay raced against the
            // signal would keep one per change until the timeout.
            await signal.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The task did not change in time: the caller gets it as it is.
        }
        return await _tasks.FindAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the task ends or <paramref name="timeout"/> passes; returns it as it is then.</summary>
    public async Task<MediaTask?> WaitForEndAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            var left = deadline - _time.GetUtcNow();
            var task = await WaitForChangeAsync(id, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            if (task is not { IsRunning: true } || left <= TimeSpan.Zero)
                return task;
        }
    }

    /// <summary>
    /// Runs one job to its end. Stopping the server leaves its tasks running in the database for
    /// <see cref="RecoverAsync"/>; everything else ends them complete or canceled.
    /// </summary>
    public async Task<MediaJobOutcome> RunAsync(MediaJob job, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!_jobs.TryGetValue(job.OriginalSha256, out var active) || active.Job.JobId != job.JobId)
            return new MediaJobOutcome(job, MediaTaskStatus.Canceled); // canceled while queued
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(active.Canceled, stopping);
        var token = linked.Token;
        OptimizedMedia? optimized = null;
        var counted = false;
        try
        {
            var original = await Originals.GetLocalFileAsync(job.OriginalSha256, token).ConfigureAwait(false);
            if (original is null)
                return await EndAsync(active, MediaTaskStatus.Canceled, OriginalLost, null).ConfigureAwait(false);
            await using var originalFile = original.ConfigureAwait(false);
            // Counted before the tool runs: should it take the whole server down, the next start knows.
            await _tasks.CountAttemptAsync(job.OriginalSha256, 1, token).ConfigureAwait(false);
            counted = true;

            var message = job.Kind switch { MediaKind.Image => "Optimizing image", MediaKind.Video => "Transcoding video", _ => "Transcoding audio" };
            var progress = new ProgressWriter(this, active, message);
            await using (progress.ConfigureAwait(false))
            {
                progress.Report(0);
                optimized = await _optimizer.OptimizeAsync(original.Path, job.Kind, _outputFolder, progress, token).ConfigureAwait(false);
            }
            return await CompleteAsync(active, optimized, token).ConfigureAwait(false);
        }
        catch (MediaRejectedException e) when (!token.IsCancellationRequested)
        {
            return await EndAsync(active, MediaTaskStatus.Canceled, e.Message, null).ConfigureAwait(false) with { Rejection = e };
        }
        // A worker must not die or leave tasks running forever over an unforeseen failure (disk
        // full, a database error, a tool's own exception type): the requesters get a message, the
        // operator the exception.
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            return await EndAsync(active, MediaTaskStatus.Canceled, ServerFailed, null).ConfigureAwait(false) with { Failure = e };
        }
        // Once the server is stopping, whatever ended the run is the stop's doing: the job did not
        // fail, and is resumed after the restart.
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            if (counted)
                await _tasks.CountAttemptAsync(job.OriginalSha256, -1, CancellationToken.None).ConfigureAwait(false);
            return new MediaJobOutcome(job, MediaTaskStatus.Running);
        }
        catch (Exception)
        {
            // Canceled by its requesters; their tasks already say so.
            return await EndAsync(active, MediaTaskStatus.Canceled, null, null).ConfigureAwait(false);
        }
        finally
        {
            if (optimized is not null)
                File.Delete(optimized.Path);
        }
    }

    /// <summary>
    /// After a restart: tasks left running are queued again when their original is still here, else
    /// ended with a message, as are those whose job was started too often without ending; originals
    /// no task needs are removed. Returns how many jobs were queued again and how many tasks given up.
    /// </summary>
    public async Task<(int Requeued, int GivenUp)> RecoverAsync(CancellationToken cancellationToken)
    {
        var givenUp = await _tasks.CancelAttemptedAsync(MaxAttempts, FailedRepeatedly, cancellationToken).ConfigureAwait(false);
        var requeued = 0;
        foreach (var group in (await _tasks.RunningAsync(cancellationToken).ConfigureAwait(false)).GroupBy(t => t.OriginalSha256, StringComparer.Ordinal))
        {
            ActiveJob? job = null;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var first = group.First();
                if (_jobs.ContainsKey(group.Key))
                    continue;
                if (await Originals.LengthAsync(group.Key, cancellationToken).ConfigureAwait(false) is null || MediaKinds.Of(first.OriginalType) is not { } kind)
                {
                    await _tasks.CancelAsync([.. group.Select(t => t.Id)], OriginalLost, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                job = new ActiveJob(new MediaJob(Guid.NewGuid(), group.Key, first.OriginalType, kind));
                foreach (var task in group)
                    job.Attach(task.Id);
                _jobs[group.Key] = job;
            }
            finally
            {
                _gate.Release();
            }
            // Outside the gate: this waits for room while the workers drain the queue.
            await _queue.Writer.WriteAsync(job.Job, cancellationToken).ConfigureAwait(false);
            requeued++;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var orphan in await Originals.EnumerateAsync(cancellationToken).Select(b => b.Sha256).Where(h => !_jobs.ContainsKey(h)).ToListAsync(cancellationToken).ConfigureAwait(false))
                await Originals.DeleteAsync(orphan, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
        return (requeued, givenUp);
    }

    /// <summary>Forgets tasks that ended more than <paramref name="retention"/> ago; their blobs stay.</summary>
    public Task<int> ForgetEndedAsync(TimeSpan retention, CancellationToken cancellationToken) =>
        _tasks.DeleteEndedBeforeAsync((_time.GetUtcNow() - retention).ToUnixTimeSeconds(), cancellationToken);

    private async Task<MediaJobOutcome> CompleteAsync(ActiveJob active, OptimizedMedia optimized, CancellationToken cancellationToken)
    {
        // Copying, hashing and inspecting the result are the slow parts: they happen before the gate is taken.
        var pending = await _blobs.Store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (pending.ConfigureAwait(false))
        {
            ReceivedBlob received;
            var file = File.OpenRead(optimized.Path);
            await using (file.ConfigureAwait(false))
                received = await pending.ReceiveAsync(file, long.MaxValue, cancellationToken).ConfigureAwait(false);
            var derived = new DerivedBlob(active.Job.OriginalSha256,
                await _blobs.InspectAsync(optimized.Path, optimized.MediaType, cancellationToken).ConfigureAwait(false));

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var tasks = await _tasks.RunningForOriginalAsync(active.Job.OriginalSha256, cancellationToken).ConfigureAwait(false);
                string[] owners = [.. tasks.Select(t => t.Owner).OfType<string>().Distinct(StringComparer.Ordinal)];
                var (blob, created) = await _blobs.CommitAsync(pending, received, optimized.MediaType, owners, cancellationToken, derived).ConfigureAwait(false);
                await _tasks.SaveResultAsync(active.Job.OriginalSha256, _settings.Recipe.Fingerprint, blob.Sha256, cancellationToken).ConfigureAwait(false);
                await _tasks.CompleteAsync([.. tasks.Select(t => t.Id)], blob, created, optimized.Message ?? CompletedMessage(active.Job.Kind), cancellationToken).ConfigureAwait(false);
                foreach (var task in tasks)
                    Notify(task.Id);
                await ForgetJobAsync(active).ConfigureAwait(false);
                return new MediaJobOutcome(active.Job, MediaTaskStatus.Complete);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Ends a job's running tasks (when <paramref name="message"/> is given) and forgets the job.</summary>
    private async Task<MediaJobOutcome> EndAsync(ActiveJob active, MediaTaskStatus status, string? message, Exception? failure)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (message is not null)
            {
                var tasks = await _tasks.RunningForOriginalAsync(active.Job.OriginalSha256, CancellationToken.None).ConfigureAwait(false);
                await _tasks.CancelAsync([.. tasks.Select(t => t.Id)], message, CancellationToken.None).ConfigureAwait(false);
                foreach (var task in tasks)
                    Notify(task.Id);
            }
            await ForgetJobAsync(active).ConfigureAwait(false);
            return new MediaJobOutcome(active.Job, status, Failure: failure);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Under the gate: drops the job and, unless a newer job took the original over, the original.</summary>
    private async Task ForgetJobAsync(ActiveJob active)
    {
        _jobs.TryRemove(new KeyValuePair<string, ActiveJob>(active.Job.OriginalSha256, active));
        if (!_jobs.ContainsKey(active.Job.OriginalSha256))
            await Originals.DeleteAsync(active.Job.OriginalSha256, CancellationToken.None).ConfigureAwait(false);
    }

    private static string CompletedMessage(MediaKind kind) => kind switch
    {
        MediaKind.Image => "Finished optimizing image",
        MediaKind.Video => "Finished optimizing video",
        _ => "Finished optimizing audio",
    };

    private void Notify(string id)
    {
        if (_changes.TryRemove(id, out var signal))
            signal.TrySetResult();
    }

    /// <summary>The requests one job serves, and the switch that stops it.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
        "The source has no timer and no wait handle, so it holds nothing to release, and a worker may read its token after the job is forgotten.")]
    private sealed class ActiveJob(MediaJob job)
    {
        private readonly CancellationTokenSource _cancel = new();
        private ImmutableHashSet<string> _taskIds = ImmutableHashSet<string>.Empty;

        public MediaJob Job { get; } = job;

        public CancellationToken Canceled => _cancel.Token;

        public ImmutableHashSet<string> TaskIds => Volatile.Read(ref _taskIds);

        public void Attach(string id) => ImmutableInterlocked.Update(ref _taskIds, set => set.Add(id));

        /// <summary>Removes a request; true when none is left.</summary>
        public bool Detach(string id) => ImmutableInterlocked.Update(ref _taskIds, set => set.Remove(id)) && TaskIds.Count == 0;

        public Task CancelAsync() => _cancel.CancelAsync();
    }

    /// <summary>
    /// Progress from the optimizer, written to the database by one loop: reports never block the
    /// tool, and a burst of them collapses into the newest value.
    /// </summary>
    private sealed class ProgressWriter : IProgress<int>, IAsyncDisposable
    {
        private readonly Channel<int> _values = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        private readonly Task _writer;

        public ProgressWriter(MediaPipeline pipeline, ActiveJob job, string message) => _writer = WriteAsync(pipeline, job, message);

        public void Report(int value) => _values.Writer.TryWrite(value);

        public async ValueTask DisposeAsync()
        {
            _values.Writer.TryComplete();
            await _writer.ConfigureAwait(false);
        }

        private async Task WriteAsync(MediaPipeline pipeline, ActiveJob job, string message)
        {
            var last = -1;
            await foreach (var value in _values.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (value == last)
                    continue;
                last = value;
                await pipeline._tasks.ReportProgressAsync(job.Job.OriginalSha256, value, message, CancellationToken.None).ConfigureAwait(false);
                foreach (var id in job.TaskIds)
                    pipeline.Notify(id);
            }
        }
    }
}
