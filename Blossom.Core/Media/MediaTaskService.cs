using System.Threading.Channels;
using Blossom.Core.Blobs;
using Blossom.Core.Previews;

namespace Blossom.Core.Media;

/// <param name="MaxRunningTasksPerOwner">Unfinished tasks one pubkey may have.</param>
/// <param name="WorkPath">This node's folder for outputs in progress.</param>
/// <param name="Recipe">What originals become.</param>
public sealed record MediaTaskSettings(int MaxRunningTasksPerOwner, string WorkPath, MediaRecipe Recipe);

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
/// The rules around media tasks: admission (queue length, per-pubkey limit), one job per original
/// however many requests share it, dedupe by a stored result, cancellation that reaches the running
/// tool, completion that hands the result to every requester, recovery after a restart. Task state
/// lives in <see cref="IMediaTaskStore"/>, jobs in <see cref="IMediaJobQueue"/>, originals in their
/// own <see cref="IBlobStore"/>; long-polls wait on <see cref="IMediaChangeNotifier"/>.
/// </summary>
public sealed class MediaTaskService
{
    /// <summary>Where the originals live inside the storage the blobs use; never a blob's name.</summary>
    public const string OriginalsFolder = "originals";

    private const string OriginalLost = "The server restarted and no longer has the original; upload it again";
    private const string FailedRepeatedly = "This media failed repeatedly; the server gave up on it";
    private const string ServerFailed = "The server failed to optimize this media; try again later";

    // Starts of a job that did not end (its server died meanwhile) before the job is given up: media
    // that crashes the tool's host at every start would otherwise take the servers down forever.
    private const int MaxAttempts = 3;

    private readonly IMediaTaskStore _tasks;
    private readonly IMediaJobQueue _queue;
    private readonly IMediaChangeNotifier _changes;
    private readonly BlobService _blobs;
    private readonly IMediaOptimizer _optimizer;
    private readonly MediaTaskSettings _settings;
    private readonly TimeProvider _time;
    // Makes the poster frame of each optimized video; none when previews are off.
    private readonly PreviewService? _previews;
    private readonly string _outputFolder;

    public MediaTaskService(
        IMediaTaskStore tasks, IMediaJobQueue queue, IMediaChangeNotifier changes, IBlobStore originals, BlobService blobs,
        IMediaOptimizer optimizer, MediaTaskSettings settings, TimeProvider time, PreviewService? previews = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (_tasks, _queue, _changes, Originals, _blobs, _optimizer, _settings, _time, _previews) = (tasks, queue, changes, originals, blobs, optimizer, settings, time, previews);
        _outputFolder = Path.GetFullPath(Path.Combine(settings.WorkPath, "output"));
    }

    /// <summary>Uploaded originals, kept until their job ends; never served.</summary>
    public IBlobStore Originals { get; }

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
        foreach (var ladder in Directory.EnumerateDirectories(_outputFolder))
            Directory.Delete(ladder, recursive: true);
    }

    /// <summary>Whether a request from <paramref name="owner"/> may start now; checked before its body is read.</summary>
    public async Task<MediaAdmission> AdmitAsync(string? owner, CancellationToken cancellationToken)
    {
        if (await _queue.CountWaitingAsync(cancellationToken).ConfigureAwait(false) >= _queue.Capacity)
            return MediaAdmission.QueueFull;
        if (await HasTooManyTasksAsync(owner, cancellationToken).ConfigureAwait(false))
            return MediaAdmission.TooManyTasks;
        return MediaAdmission.Accepted;
    }

    /// <summary>
    /// Creates the task for a received original: complete at once when the same original was
    /// optimized before under the same recipe, joined to the running job for it, or queued as a new
    /// job. Refused (no task, the original not kept) when the queue filled up or the owner reached
    /// the limit of unfinished tasks while the body arrived.
    /// </summary>
    public async Task<(MediaAdmission Outcome, MediaTask? Task)> SubmitAsync(IPendingBlob original, ReceivedBlob received, string type, string? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(received);
        var kind = MediaKinds.Of(type) ?? throw new ArgumentException($"{type} is not a media type the optimizer takes", nameof(type));
        var sha256 = received.Sha256;
        var id = Guid.NewGuid().ToString();
        string[] owners = owner is null ? [] : [owner];

        if (await CompleteFromEarlierResultAsync(id, sha256, type, owner, owners, cancellationToken).ConfigureAwait(false) is { } earlier)
            return (MediaAdmission.Accepted, earlier);
        // Stored before the lock, which every node's submissions, cancellations and completions
        // share: on S3 this is an upload of the whole original. When a job for it already runs,
        // this rewrites the same bytes. A request refused below removes it again.
        await original.CommitAsync(cancellationToken).ConfigureAwait(false);

        var gate = await _queue.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (gate.ConfigureAwait(false))
        {
            // A job for the same original may have completed while this one was stored.
            if (await CompleteFromEarlierResultAsync(id, sha256, type, owner, owners, cancellationToken).ConfigureAwait(false) is { } completed)
            {
                await DiscardOriginalUnlessQueuedAsync(sha256, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.Accepted, completed);
            }
            // Checked again here because the check before the body let in every request whose body
            // was still arriving; under the lock, concurrent submissions count each other.
            if (await HasTooManyTasksAsync(owner, cancellationToken).ConfigureAwait(false))
            {
                await DiscardOriginalUnlessQueuedAsync(sha256, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.TooManyTasks, null);
            }

            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            var task = new MediaTask(id, owner, sha256, type, MediaTaskStatus.Running, 0, "Queued", null, false, now, now);
            // The task joins the original's job: completion ends every running task of the original.
            if (await _queue.FindAsync(sha256, cancellationToken).ConfigureAwait(false) is not null)
            {
                await _tasks.InsertAsync(task, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.Accepted, task);
            }

            if (await _queue.CountWaitingAsync(cancellationToken).ConfigureAwait(false) >= _queue.Capacity)
            {
                await Originals.DeleteAsync(sha256, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.QueueFull, null);
            }
            // The task row comes first: a worker may take the job at once, and counts its attempt
            // and reports progress on the original's running tasks without taking the lock.
            await _tasks.InsertAsync(task, cancellationToken).ConfigureAwait(false);
            // Under the lock the queue cannot have filled since the check; should it refuse all the
            // same, the request is refused like any other.
            if (!await _queue.TryEnqueueAsync(new MediaJob(Guid.NewGuid(), sha256, type, kind), cancellationToken).ConfigureAwait(false))
            {
                await _tasks.CancelAsync([id], "The media queue is full", cancellationToken).ConfigureAwait(false);
                await Originals.DeleteAsync(sha256, cancellationToken).ConfigureAwait(false);
                return (MediaAdmission.QueueFull, null);
            }
            return (MediaAdmission.Accepted, task);
        }
    }

    /// <summary>
    /// A task complete at once, when this original was optimized before under the same recipe and
    /// the result (with its HLS ladder, when the recipe makes one) is still stored.
    /// </summary>
    private async Task<MediaTask?> CompleteFromEarlierResultAsync(string id, string sha256, string type, string? owner, string[] owners, CancellationToken cancellationToken)
    {
        if (await _tasks.FindResultAsync(sha256, _settings.Recipe.Fingerprint, cancellationToken).ConfigureAwait(false) is not { } earlier)
            return null;
        BlobRecord? streaming = null;
        if (earlier.StreamingSha256 is { } master)
        {
            // Every file of the set gets the owners, so no other owner's delete takes a segment from under them.
            if (await HlsPackage.BlobsOfAsync(_blobs.Store, master, cancellationToken).ConfigureAwait(false) is not { } set)
                return null;
            foreach (var hash in set)
            {
                if (await _blobs.AddOwnersAsync(hash, owners, cancellationToken).ConfigureAwait(false) is not { } added)
                    return null;
                streaming ??= added;
            }
        }
        if (await _blobs.AddOwnersAsync(earlier.ResultSha256, owners, cancellationToken).ConfigureAwait(false) is not { } result)
            return null;
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var done = new MediaTask(id, owner, sha256, type, MediaTaskStatus.Complete, 100, "Optimized before: this original was uploaded earlier", result, false, now, now, streaming);
        await _tasks.InsertAsync(done, cancellationToken).ConfigureAwait(false);
        return done;
    }

    /// <summary>Under the lock: removes an original unless a job needs it.</summary>
    private async Task DiscardOriginalUnlessQueuedAsync(string sha256, CancellationToken cancellationToken)
    {
        if (await _queue.FindAsync(sha256, cancellationToken).ConfigureAwait(false) is null)
            await Originals.DeleteAsync(sha256, cancellationToken).ConfigureAwait(false);
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
        var gate = await _queue.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (gate.ConfigureAwait(false))
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
                // Nobody waits for the job any more: it stops, and a later request for the original starts afresh.
                if ((await _tasks.RunningForOriginalAsync(task.OriginalSha256, cancellationToken).ConfigureAwait(false)).Count == 0
                    && await _queue.FindAsync(task.OriginalSha256, cancellationToken).ConfigureAwait(false) is { } job)
                    await _queue.RemoveAsync(job, cancellationToken).ConfigureAwait(false);
                await _changes.NotifyAsync([id], cancellationToken).ConfigureAwait(false);
            }
            return (MediaCancellation.Canceled, await _tasks.FindAsync(id, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// Waits until the task changes (progress, message or end) or <paramref name="timeout"/> passes,
    /// and returns it as it is then: the long-poll of <c>GET /media/&lt;id&gt;?wait=N</c>.
    /// </summary>
    public async Task<MediaTask?> WaitForChangeAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Subscribe before reading, so a change between the read and the wait is not missed.
        var signal = _changes.Subscribe(id);
        var task = await _tasks.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (task is not { IsRunning: true } || timeout <= TimeSpan.Zero)
        {
            _changes.Unsubscribe(id, signal);
            return task;
        }
        try
        {
            // WaitAsync disposes its timer when the signal comes first; a Task.Delay raced against the
            // signal would keep one per change until the timeout.
            await signal.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Waits for a job and claims it: what a worker does between runs.</summary>
    public Task<IMediaJobClaim> ClaimAsync(CancellationToken stopping) => _queue.ClaimAsync(stopping);

    /// <summary>
    /// Runs one claimed job to its end. Stopping the server leaves its tasks running for
    /// <see cref="RecoverAsync"/> or another node; everything else ends them complete or canceled.
    /// </summary>
    public async Task<MediaJobOutcome> RunAsync(IMediaJobClaim claim, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var job = claim.Job;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(claim.Lost, stopping);
        var token = linked.Token;
        OptimizedMedia? optimized = null;
        var counted = false;
        try
        {
            if (claim.Attempt > MaxAttempts)
                return await EndAsync(claim, MediaTaskStatus.Canceled, FailedRepeatedly, null).ConfigureAwait(false);
            var original = await Originals.GetLocalFileAsync(job.OriginalSha256, token).ConfigureAwait(false);
            if (original is null)
                return await EndAsync(claim, MediaTaskStatus.Canceled, OriginalLost, null).ConfigureAwait(false);
            await using var originalFile = original.ConfigureAwait(false);
            // Counted before the tool runs: should it take the whole server down, the next start knows.
            await _tasks.CountAttemptAsync(job.OriginalSha256, 1, token).ConfigureAwait(false);
            counted = true;

            var message = job.Kind switch { MediaKind.Image => "Optimizing image", MediaKind.Video => "Transcoding video", _ => "Transcoding audio" };
            var progress = new ProgressWriter(this, job, message);
            await using (progress.ConfigureAwait(false))
            {
                progress.Report(0);
                optimized = await _optimizer.OptimizeAsync(original.Path, job.Kind, _outputFolder, progress, token).ConfigureAwait(false);
            }
            return await CompleteAsync(claim, optimized, token).ConfigureAwait(false);
        }
        catch (MediaRejectedException e) when (!token.IsCancellationRequested)
        {
            return await EndAsync(claim, MediaTaskStatus.Canceled, e.Message, null).ConfigureAwait(false) with { Rejection = e };
        }
        // A worker must not die or leave tasks running forever over an unforeseen failure (disk
        // full, a database error, a tool's own exception type): the requesters get a message, the
        // operator the exception.
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            return await EndAsync(claim, MediaTaskStatus.Canceled, ServerFailed, null).ConfigureAwait(false) with { Failure = e };
        }
        // Once the server is stopping, whatever ended the run is the stop's doing: the job did not
        // fail, and is resumed after the restart or by another node.
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            if (counted)
                await _tasks.CountAttemptAsync(job.OriginalSha256, -1, CancellationToken.None).ConfigureAwait(false);
            await claim.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
            return new MediaJobOutcome(job, MediaTaskStatus.Running);
        }
        catch (Exception)
        {
            // Canceled by its requesters (their tasks already say so), or taken over by another worker.
            return await EndAsync(claim, MediaTaskStatus.Canceled, null, null).ConfigureAwait(false);
        }
        finally
        {
            if (optimized is not null)
                File.Delete(optimized.Path);
            if (optimized?.PosterFrame is { } poster)
                File.Delete(poster);
            if (optimized?.Streaming is { } ladder)
                Directory.Delete(ladder.Folder, recursive: true);
        }
    }

    /// <summary>
    /// At start-up: tasks left running without a job are queued again when their original is still
    /// here, else ended with a message, as are, when jobs do not outlive the process, those whose
    /// job was started too often without ending; originals no job needs are removed. Returns how
    /// many jobs were queued again and how many tasks given up.
    /// </summary>
    public async Task<(int Requeued, int GivenUp)> RecoverAsync(CancellationToken cancellationToken)
    {
        // A durable queue counts attempts per claim: another node may be running a job's last attempt right now.
        var givenUp = _queue.Durable ? 0 : await _tasks.CancelAttemptedAsync(MaxAttempts, FailedRepeatedly, cancellationToken).ConfigureAwait(false);
        var requeued = 0;
        foreach (var group in (await _tasks.RunningAsync(cancellationToken).ConfigureAwait(false)).GroupBy(t => t.OriginalSha256, StringComparer.Ordinal))
        {
            var gate = await _queue.LockAsync(cancellationToken).ConfigureAwait(false);
            await using (gate.ConfigureAwait(false))
            {
                var first = group.First();
                if (await _queue.FindAsync(group.Key, cancellationToken).ConfigureAwait(false) is not null)
                    continue;
                if (await Originals.LengthAsync(group.Key, cancellationToken).ConfigureAwait(false) is null || MediaKinds.Of(first.OriginalType) is not { } kind)
                {
                    await _tasks.CancelAsync([.. group.Select(t => t.Id)], OriginalLost, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                await _queue.RequeueAsync(new MediaJob(Guid.NewGuid(), group.Key, first.OriginalType, kind), cancellationToken).ConfigureAwait(false);
                requeued++;
            }
        }

        var sweep = await _queue.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (sweep.ConfigureAwait(false))
        {
            foreach (var hash in await Originals.EnumerateAsync(cancellationToken).Select(b => b.Sha256).ToListAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await _queue.FindAsync(hash, cancellationToken).ConfigureAwait(false) is null)
                    await Originals.DeleteAsync(hash, cancellationToken).ConfigureAwait(false);
            }
        }
        return (requeued, givenUp);
    }

    /// <summary>Forgets tasks that ended more than <paramref name="retention"/> ago; their blobs stay.</summary>
    public Task<int> ForgetEndedAsync(TimeSpan retention, CancellationToken cancellationToken) =>
        _tasks.DeleteEndedBeforeAsync((_time.GetUtcNow() - retention).ToUnixTimeSeconds(), cancellationToken);

    private async Task<MediaJobOutcome> CompleteAsync(IMediaJobClaim claim, OptimizedMedia optimized, CancellationToken cancellationToken)
    {
        var job = claim.Job;
        // Copying, hashing and inspecting the result are the slow parts: they happen before the lock is taken.
        var pending = await _blobs.Store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (pending.ConfigureAwait(false))
        {
            ReceivedBlob received;
            var file = File.OpenRead(optimized.Path);
            await using (file.ConfigureAwait(false))
                received = await pending.ReceiveAsync(file, long.MaxValue, cancellationToken).ConfigureAwait(false);
            var derived = new DerivedBlob(job.OriginalSha256, DerivedBlobKind.Optimized,
                optimized.Metadata ?? await _blobs.InspectAsync(optimized.Path, optimized.MediaType, cancellationToken).ConfigureAwait(false));
            var streaming = optimized.Streaming is { } ladder ? await HlsPackage.PrepareAsync(_blobs.Store, ladder, cancellationToken).ConfigureAwait(false) : null;
            try
            {
                if (await StoreAsync(claim, pending, received, optimized.MediaType, derived, streaming, cancellationToken).ConfigureAwait(false) is not { } stored)
                    return new MediaJobOutcome(job, MediaTaskStatus.Canceled);
                var (blob, created, master) = stored;

                // The poster is made outside the lock and before the tasks complete, so the finished
                // task's descriptor names it; it is drawn from the still the transcode cut, when there
                // is one. Without a poster the result stands.
                if (_previews is not null && job.Kind == MediaKind.Video && PreviewService.Supports(blob.Type))
                    await _previews.GetOrCreateAsync(blob.Sha256, VideoPoster.SpecFor(_previews.Sizes), cancellationToken, optimized.PosterFrame).ConfigureAwait(false);

                var gate = await _queue.LockAsync(cancellationToken).ConfigureAwait(false);
                await using (gate.ConfigureAwait(false))
                {
                    // Requesters who canceled meanwhile keep their canceled tasks (and own the stored result).
                    if (!await claim.HoldsAsync(cancellationToken).ConfigureAwait(false))
                    {
                        await ForgetJobAsync(claim).ConfigureAwait(false);
                        return new MediaJobOutcome(job, MediaTaskStatus.Canceled);
                    }
                    var tasks = await _tasks.RunningForOriginalAsync(job.OriginalSha256, cancellationToken).ConfigureAwait(false);
                    await _tasks.CompleteAsync([.. tasks.Select(t => t.Id)], blob, created, optimized.Message ?? CompletedMessage(job.Kind), master, cancellationToken).ConfigureAwait(false);
                    await ForgetJobAsync(claim).ConfigureAwait(false);
                    await _changes.NotifyAsync([.. tasks.Select(t => t.Id)], CancellationToken.None).ConfigureAwait(false);
                    return new MediaJobOutcome(job, MediaTaskStatus.Complete);
                }
            }
            finally
            {
                if (streaming is not null)
                    await streaming.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Under the lock: stores the result (and its HLS ladder) for the job's requesters and saves it
    /// as the original's result; null, with the job forgotten, when there is nobody to store it for.
    /// </summary>
    private async Task<(BlobRecord Blob, bool Created, string? Master)?> StoreAsync(
        IMediaJobClaim claim, IPendingBlob pending, ReceivedBlob received, string type, DerivedBlob derived, HlsPackage? streaming, CancellationToken cancellationToken)
    {
        var job = claim.Job;
        var gate = await _queue.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (gate.ConfigureAwait(false))
        {
            // A worker that lost the job (its requesters canceled, or its lease ran out and another
            // worker took it) writes nothing: the result is written once.
            if (!await claim.HoldsAsync(cancellationToken).ConfigureAwait(false))
            {
                await ForgetJobAsync(claim).ConfigureAwait(false);
                return null;
            }
            var tasks = await _tasks.RunningForOriginalAsync(job.OriginalSha256, cancellationToken).ConfigureAwait(false);
            // A job whose task rows never came (its node died between queueing and inserting) has
            // nobody to own the result: nothing is stored.
            if (tasks.Count == 0)
            {
                await ForgetJobAsync(claim).ConfigureAwait(false);
                return null;
            }
            string[] owners = [.. tasks.Select(t => t.Owner).OfType<string>().Distinct(StringComparer.Ordinal)];
            // The ladder first: once the result is saved, a repeated upload reuses the whole set.
            var master = streaming is null ? null : (await streaming.CommitAsync(_blobs, owners, job.OriginalSha256, cancellationToken).ConfigureAwait(false)).Sha256;
            var (blob, created) = await _blobs.CommitAsync(pending, received, type, owners, cancellationToken, derived).ConfigureAwait(false);
            // Saved now, so a request for the same original while the poster is made completes from
            // this result (owning it) instead of joining a job that is about to end.
            await _tasks.SaveResultAsync(job.OriginalSha256, _settings.Recipe.Fingerprint, new MediaResult(blob.Sha256, master), cancellationToken).ConfigureAwait(false);
            return (blob, created, master);
        }
    }

    /// <summary>
    /// Ends a job's running tasks (when <paramref name="message"/> is given and the claim still holds
    /// the job) and forgets the job.
    /// </summary>
    private async Task<MediaJobOutcome> EndAsync(IMediaJobClaim claim, MediaTaskStatus status, string? message, Exception? failure)
    {
        var gate = await _queue.LockAsync(CancellationToken.None).ConfigureAwait(false);
        await using (gate.ConfigureAwait(false))
        {
            if (message is not null && await claim.HoldsAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var tasks = await _tasks.RunningForOriginalAsync(claim.Job.OriginalSha256, CancellationToken.None).ConfigureAwait(false);
                await _tasks.CancelAsync([.. tasks.Select(t => t.Id)], message, CancellationToken.None).ConfigureAwait(false);
                await _changes.NotifyAsync([.. tasks.Select(t => t.Id)], CancellationToken.None).ConfigureAwait(false);
            }
            await ForgetJobAsync(claim).ConfigureAwait(false);
            return new MediaJobOutcome(claim.Job, status, Failure: failure);
        }
    }

    /// <summary>
    /// Under the lock: drops the job unless another worker holds it now, and the original unless a
    /// job still needs it.
    /// </summary>
    private async Task ForgetJobAsync(IMediaJobClaim claim)
    {
        if (await claim.HoldsAsync(CancellationToken.None).ConfigureAwait(false))
            await _queue.RemoveAsync(claim.Job, CancellationToken.None).ConfigureAwait(false);
        await DiscardOriginalUnlessQueuedAsync(claim.Job.OriginalSha256, CancellationToken.None).ConfigureAwait(false);
    }

    private static string CompletedMessage(MediaKind kind) => kind switch
    {
        MediaKind.Image => "Finished optimizing image",
        MediaKind.Video => "Finished optimizing video",
        _ => "Finished optimizing audio",
    };

    /// <summary>
    /// Progress from the optimizer, written to the database by one loop: reports never block the
    /// tool, and a burst of them collapses into the newest value.
    /// </summary>
    private sealed class ProgressWriter : IProgress<int>, IAsyncDisposable
    {
        private readonly Channel<int> _values = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        private readonly Task _writer;

        public ProgressWriter(MediaTaskService service, MediaJob job, string message) => _writer = WriteAsync(service, job, message);

        public void Report(int value) => _values.Writer.TryWrite(value);

        public async ValueTask DisposeAsync()
        {
            _values.Writer.TryComplete();
            await _writer.ConfigureAwait(false);
        }

        /// <summary>
        /// Progress is written at most this often: each write is a durable commit, and libvips reports
        /// a few dozen steps for one photo, which cost the job more than it took to make them (58 syncs
        /// for a 12 MP JPEG). A step skipped is overtaken by the next, or by the end of the task.
        /// </summary>
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

        private async Task WriteAsync(MediaTaskService service, MediaJob job, string message)
        {
            var last = -1;
            long written = 0;
            await foreach (var value in _values.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (value == last || (last >= 0 && service._time.GetElapsedTime(written) < Interval))
                    continue;
                last = value;
                written = service._time.GetTimestamp();
                await service._tasks.ReportProgressAsync(job.OriginalSha256, value, message, CancellationToken.None).ConfigureAwait(false);
                // The tasks the job serves now: requests may have joined or left since it started.
                var tasks = await service._tasks.RunningForOriginalAsync(job.OriginalSha256, CancellationToken.None).ConfigureAwait(false);
                await service._changes.NotifyAsync([.. tasks.Select(t => t.Id)], CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
