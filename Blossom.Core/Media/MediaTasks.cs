using Blossom.Core.Blobs;

namespace Blossom.Core.Media;

/// <summary>
/// The request side of media tasks: admission (queue length, per-pubkey limit), one job per original
/// however many requests share it, dedupe by a stored result, cancellation that reaches the running
/// tool, and the long-polls that wait for a task to change. <see cref="MediaJobRunner"/> runs the jobs;
/// both change the shared <see cref="MediaLedger"/> under its queue's lock.
/// </summary>
public sealed class MediaTasks(MediaLedger ledger, BlobService blobs, MediaTaskSettings settings, TimeProvider time)
{
    /// <summary>Where a request's original is received: kept until its job ends, never served.</summary>
    public IBlobStore Originals => ledger.Originals;

    /// <summary>Whether a request from <paramref name="owner"/> may start now; checked before its body is read.</summary>
    public async Task<MediaAdmission> AdmitAsync(string? owner, CancellationToken cancellationToken)
    {
        if (await ledger.Queue.CountWaitingAsync(cancellationToken) >= ledger.Queue.Capacity)
            return MediaAdmission.QueueFull;
        if (await HasTooManyTasksAsync(owner, cancellationToken))
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

        if (await CompleteFromEarlierResultAsync(id, sha256, type, owner, owners, cancellationToken) is { } earlier)
            return (MediaAdmission.Accepted, earlier);
        // Stored before the lock, which every node's submissions, cancellations and completions
        // share: on S3 this is an upload of the whole original. When a job for it already runs,
        // this rewrites the same bytes. A request refused below removes it again.
        await original.CommitAsync(cancellationToken);

        var gate = await ledger.Queue.LockAsync(cancellationToken);
        await using (gate)
        {
            // A job for the same original may have completed while this one was stored.
            if (await CompleteFromEarlierResultAsync(id, sha256, type, owner, owners, cancellationToken) is { } completed)
            {
                await ledger.DiscardOriginalUnlessQueuedAsync(sha256, cancellationToken);
                return (MediaAdmission.Accepted, completed);
            }
            // Checked again here because the check before the body let in every request whose body
            // was still arriving; under the lock, concurrent submissions count each other.
            if (await HasTooManyTasksAsync(owner, cancellationToken))
            {
                await ledger.DiscardOriginalUnlessQueuedAsync(sha256, cancellationToken);
                return (MediaAdmission.TooManyTasks, null);
            }

            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var task = new MediaTask(id, owner, sha256, type, MediaTaskStatus.Running, 0, "Queued", null, false, now, now);
            // The task joins the original's job: completion ends every running task of the original.
            if (await ledger.Queue.FindAsync(sha256, cancellationToken) is not null)
            {
                await ledger.Tasks.InsertAsync(task, cancellationToken);
                return (MediaAdmission.Accepted, task);
            }

            if (await ledger.Queue.CountWaitingAsync(cancellationToken) >= ledger.Queue.Capacity)
            {
                await ledger.Originals.DeleteAsync(sha256, cancellationToken);
                return (MediaAdmission.QueueFull, null);
            }
            // The task row comes first: a worker may take the job at once, and counts its attempt
            // and reports progress on the original's running tasks without taking the lock.
            await ledger.Tasks.InsertAsync(task, cancellationToken);
            // Under the lock the queue cannot have filled since the check; should it refuse all the
            // same, the request is refused like any other.
            if (!await ledger.Queue.TryEnqueueAsync(new MediaJob(Guid.NewGuid(), sha256, type, kind), cancellationToken))
            {
                await ledger.Tasks.CancelAsync([id], "The media queue is full", cancellationToken);
                await ledger.Originals.DeleteAsync(sha256, cancellationToken);
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
        if (await ledger.Tasks.FindResultAsync(sha256, settings.Recipe.Fingerprint, cancellationToken) is not { } earlier)
            return null;
        BlobRecord? streaming = null;
        if (earlier.StreamingSha256 is { } master)
        {
            // Every file of the set gets the owners, so no other owner's delete takes a segment from under them.
            if (await HlsPackage.BlobsOfAsync(blobs.Store, master, cancellationToken) is not { } set)
                return null;
            foreach (var hash in set)
            {
                if (await blobs.AddOwnersAsync(hash, owners, cancellationToken) is not { } added)
                    return null;
                streaming ??= added;
            }
        }
        if (await blobs.AddOwnersAsync(earlier.ResultSha256, owners, cancellationToken) is not { } result)
            return null;
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var done = new MediaTask(id, owner, sha256, type, MediaTaskStatus.Complete, 100, "Optimized before: this original was uploaded earlier", result, false, now, now, streaming);
        await ledger.Tasks.InsertAsync(done, cancellationToken);
        return done;
    }

    private async Task<bool> HasTooManyTasksAsync(string? owner, CancellationToken cancellationToken) =>
        owner is not null && await ledger.Tasks.CountRunningForOwnerAsync(owner, cancellationToken) >= settings.MaxRunningTasksPerOwner;

    public Task<MediaTask?> FindAsync(string id, CancellationToken cancellationToken) => ledger.Tasks.FindAsync(id, cancellationToken);

    /// <summary>The owner's tasks still running, oldest first: few, as the running tasks are bounded by the queue.</summary>
    public async Task<IReadOnlyList<MediaTask>> RunningForOwnerAsync(string owner, CancellationToken cancellationToken) =>
        [.. (await ledger.Tasks.RunningAsync(cancellationToken)).Where(t => string.Equals(t.Owner, owner, StringComparison.Ordinal)).OrderBy(t => t.Created)];

    /// <summary>
    /// Cancels a task for its owner. The job stops (its ffmpeg process ends) only when no other
    /// request shares it. A task that already ended canceled stays so; a complete one cannot be.
    /// </summary>
    public async Task<(MediaCancellation Outcome, MediaTask? Task)> CancelAsync(string id, string requester, CancellationToken cancellationToken)
    {
        var gate = await ledger.Queue.LockAsync(cancellationToken);
        await using (gate)
        {
            var task = await ledger.Tasks.FindAsync(id, cancellationToken);
            if (task is null)
                return (MediaCancellation.NotFound, null);
            if (task.Owner != requester)
                return (MediaCancellation.NotOwner, task);
            if (task.Status == MediaTaskStatus.Complete)
                return (MediaCancellation.AlreadyComplete, task);
            if (task.IsRunning)
            {
                await ledger.Tasks.CancelAsync([id], "Canceled by its owner", cancellationToken);
                // Nobody waits for the job any more: it stops, and a later request for the original starts afresh.
                if ((await ledger.Tasks.RunningForOriginalAsync(task.OriginalSha256, cancellationToken)).Count == 0
                    && await ledger.Queue.FindAsync(task.OriginalSha256, cancellationToken) is { } job)
                    await ledger.Queue.RemoveAsync(job, cancellationToken);
                await ledger.Changes.NotifyAsync([id], cancellationToken);
            }
            return (MediaCancellation.Canceled, await ledger.Tasks.FindAsync(id, cancellationToken));
        }
    }

    /// <summary>
    /// Waits until the task changes (progress, message or end) or <paramref name="timeout"/> passes,
    /// and returns it as it is then: the long-poll of <c>GET /media/&lt;id&gt;?wait=N</c>.
    /// </summary>
    public async Task<MediaTask?> WaitForChangeAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Subscribe before reading, so a change between the read and the wait is not missed.
        var signal = ledger.Changes.Subscribe(id);
        var task = await ledger.Tasks.FindAsync(id, cancellationToken);
        if (task is not { IsRunning: true } || timeout <= TimeSpan.Zero)
        {
            ledger.Changes.Unsubscribe(id, signal);
            return task;
        }
        try
        {
            // WaitAsync disposes its timer when the signal comes first; a Task.Delay raced against the
            // signal would keep one per change until the timeout.
            await signal.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The task did not change in time: the caller gets it as it is, and the signal goes with its last waiter.
            ledger.Changes.Unsubscribe(id, signal);
        }
        return await ledger.Tasks.FindAsync(id, cancellationToken);
    }

    /// <summary>Waits until the task ends or <paramref name="timeout"/> passes; returns it as it is then.</summary>
    public async Task<MediaTask?> WaitForEndAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var left = deadline - time.GetUtcNow();
            var task = await WaitForChangeAsync(id, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            if (task is not { IsRunning: true } || left <= TimeSpan.Zero)
                return task;
        }
    }
}
