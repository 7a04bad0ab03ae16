using System.Threading.Channels;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Previews;

namespace Blossom.Core.Media;

/// <summary>
/// The job side of media tasks: claims a job, runs the optimizer on its original, stores the result
/// and completes every task that shares the job, or ends them with a message; recovers jobs after a
/// restart. <see cref="MediaTasks"/> is the request side; both change the shared
/// <see cref="MediaLedger"/> under its queue's lock.
/// </summary>
public sealed class MediaJobRunner
{
    private const string OriginalLost = "The server restarted and no longer has the original; upload it again";
    private const string FailedRepeatedly = "This media failed repeatedly; the server gave up on it";
    private const string ServerFailed = "The server failed to optimize this media; try again later";

    // Starts of a job that did not end (its server died meanwhile) before the job is given up: media
    // that crashes the tool's host at every start would otherwise take the servers down forever.
    private const int MaxAttempts = 3;

    private readonly MediaLedger _ledger;
    private readonly BlobService _blobs;
    private readonly BlobBlocks _blocks;
    private readonly IMediaOptimizer _optimizer;
    private readonly MediaTaskSettings _settings;
    private readonly TimeProvider _time;
    // Makes the poster frame of each optimized video; none when previews are off.
    private readonly PreviewService? _previews;
    private readonly string _outputFolder;

    public MediaJobRunner(MediaLedger ledger, BlobService blobs, BlobBlocks blocks, IMediaOptimizer optimizer, MediaTaskSettings settings, TimeProvider time, PreviewService? previews = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (_ledger, _blobs, _blocks, _optimizer, _settings, _time, _previews) = (ledger, blobs, blocks, optimizer, settings, time, previews);
        _outputFolder = Path.GetFullPath(Path.Combine(settings.WorkPath, "output"));
    }

    /// <summary>
    /// Creates the work folders, ends ffmpeg runs that an earlier process left behind, and removes
    /// the outputs they half wrote.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _ledger.Originals.InitializeAsync(cancellationToken);
        Directory.CreateDirectory(_outputFolder);
        FfmpegProcess.KillStrays(_outputFolder);
        foreach (var leftover in Directory.EnumerateFiles(_outputFolder))
            File.Delete(leftover);
        foreach (var ladder in Directory.EnumerateDirectories(_outputFolder))
            Directory.Delete(ladder, recursive: true);
    }

    /// <summary>Waits for a job and claims it: what a worker does between runs.</summary>
    public Task<IMediaJobClaim> ClaimAsync(CancellationToken stopping) => _ledger.Queue.ClaimAsync(stopping);

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
                return await EndAsync(claim, MediaTaskStatus.Canceled, FailedRepeatedly, null);
            var original = await _ledger.Originals.GetLocalFileAsync(job.OriginalSha256, token);
            if (original is null)
                return await EndAsync(claim, MediaTaskStatus.Canceled, OriginalLost, null);
            await using var originalFile = original;
            // Counted before the tool runs: should it take the whole server down, the next start knows.
            await _ledger.Tasks.CountAttemptAsync(job.OriginalSha256, 1, token);
            counted = true;

            var message = job.Kind switch { MediaKind.Image => "Optimizing image", MediaKind.Video => "Transcoding video", _ => "Transcoding audio" };
            var progress = new ProgressWriter(this, job, message);
            await using (progress)
            {
                progress.Report(0);
                optimized = await _optimizer.OptimizeAsync(original.Path, job.Kind, _outputFolder, progress, token);
            }
            return await CompleteAsync(claim, optimized, token);
        }
        catch (MediaRejectedException e) when (!token.IsCancellationRequested)
        {
            return await EndAsync(claim, MediaTaskStatus.Canceled, e.Message, null) with { Rejection = e };
        }
        // A worker must not die or leave tasks running forever over an unforeseen failure (disk
        // full, a database error, a tool's own exception type): the requesters get a message, the
        // operator the exception.
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            return await EndAsync(claim, MediaTaskStatus.Canceled, ServerFailed, null) with { Failure = e };
        }
        // Once the server is stopping, whatever ended the run is the stop's doing: the job did not
        // fail, and is resumed after the restart or by another node.
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            if (counted)
                await _ledger.Tasks.CountAttemptAsync(job.OriginalSha256, -1, CancellationToken.None);
            await claim.ReleaseAsync(CancellationToken.None);
            return new MediaJobOutcome(job, MediaTaskStatus.Running);
        }
        catch (Exception)
        {
            // Canceled by its requesters (their tasks already say so), or taken over by another worker.
            return await EndAsync(claim, MediaTaskStatus.Canceled, null, null);
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
        var givenUp = _ledger.Queue.Durable ? 0 : await _ledger.Tasks.CancelAttemptedAsync(MaxAttempts, FailedRepeatedly, cancellationToken);
        var requeued = 0;
        foreach (var group in (await _ledger.Tasks.RunningAsync(cancellationToken)).GroupBy(t => t.OriginalSha256, StringComparer.Ordinal))
        {
            var gate = await _ledger.Queue.LockAsync(cancellationToken);
            await using (gate)
            {
                var first = group.First();
                if (await _ledger.Queue.FindAsync(group.Key, cancellationToken) is not null)
                    continue;
                if (await _ledger.Originals.LengthAsync(group.Key, cancellationToken) is null || MediaKinds.Of(first.OriginalType) is not { } kind)
                {
                    await _ledger.Tasks.CancelAsync([.. group.Select(t => t.Id)], OriginalLost, cancellationToken);
                    continue;
                }
                await _ledger.Queue.RequeueAsync(new MediaJob(Guid.NewGuid(), group.Key, first.OriginalType, kind), cancellationToken);
                requeued++;
            }
        }

        var sweep = await _ledger.Queue.LockAsync(cancellationToken);
        await using (sweep)
        {
            foreach (var hash in await _ledger.Originals.EnumerateAsync(cancellationToken).Select(b => b.Sha256).ToListAsync(cancellationToken))
            {
                if (await _ledger.Queue.FindAsync(hash, cancellationToken) is null)
                    await _ledger.Originals.DeleteAsync(hash, cancellationToken);
            }
        }
        return (requeued, givenUp);
    }

    /// <summary>Forgets tasks that ended more than <paramref name="retention"/> ago; their blobs stay.</summary>
    public Task<int> ForgetEndedAsync(TimeSpan retention, CancellationToken cancellationToken) =>
        _ledger.Tasks.DeleteEndedBeforeAsync((_time.GetUtcNow() - retention).ToUnixTimeSeconds(), cancellationToken);

    private async Task<MediaJobOutcome> CompleteAsync(IMediaJobClaim claim, OptimizedMedia optimized, CancellationToken cancellationToken)
    {
        var job = claim.Job;
        // Copying, hashing and inspecting the result are the slow parts: they happen before the lock is taken.
        var pending = await _blobs.Store.BeginWriteAsync(expectedSha256: null, cancellationToken);
        await using (pending)
        {
            var received = await pending.ReceiveFileAsync(optimized.Path, cancellationToken);
            // A result the operator blocked is not stored: its tasks end canceled, saying why.
            if (await _blocks.CheckAsync(received.Sha256, cancellationToken) is { } blocked)
                return await EndAsync(claim, MediaTaskStatus.Canceled, blocked.Reason, null);
            var derived = new DerivedBlob(job.OriginalSha256, DerivedBlobKind.Optimized,
                optimized.Metadata ?? await _blobs.InspectAsync(optimized.Path, optimized.MediaType, cancellationToken));
            var streaming = optimized.Streaming is { } ladder ? await HlsPackage.PrepareAsync(_blobs.Store, ladder, cancellationToken) : null;
            try
            {
                if (await StoreAsync(claim, pending, received, optimized.MediaType, derived, streaming, cancellationToken) is not { } stored)
                    return new MediaJobOutcome(job, MediaTaskStatus.Canceled);
                var (blob, created, master) = stored;

                // The poster is made outside the lock and before the tasks complete, so the finished
                // task's descriptor names it; it is drawn from the still the transcode cut, when there
                // is one. Without a poster the result stands.
                if (_previews is not null && job.Kind == MediaKind.Video && PreviewService.Supports(blob.Type))
                    await _previews.GetOrCreateAsync(blob.Sha256, VideoPoster.SpecFor(_previews.Sizes), cancellationToken, optimized.PosterFrame);

                var gate = await _ledger.Queue.LockAsync(cancellationToken);
                await using (gate)
                {
                    // Requesters who canceled meanwhile keep their canceled tasks (and own the stored result).
                    if (!await claim.HoldsAsync(cancellationToken))
                    {
                        await ForgetJobAsync(claim);
                        return new MediaJobOutcome(job, MediaTaskStatus.Canceled);
                    }
                    var tasks = await _ledger.Tasks.RunningForOriginalAsync(job.OriginalSha256, cancellationToken);
                    await _ledger.Tasks.CompleteAsync([.. tasks.Select(t => t.Id)], blob, created, optimized.Message ?? CompletedMessage(job.Kind), master, cancellationToken);
                    await ForgetJobAsync(claim);
                    await _ledger.Changes.NotifyAsync([.. tasks.Select(t => t.Id)], CancellationToken.None);
                    return new MediaJobOutcome(job, MediaTaskStatus.Complete);
                }
            }
            finally
            {
                if (streaming is not null)
                    await streaming.DisposeAsync();
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
        var gate = await _ledger.Queue.LockAsync(cancellationToken);
        await using (gate)
        {
            // A worker that lost the job (its requesters canceled, or its lease ran out and another
            // worker took it) writes nothing: the result is written once.
            if (!await claim.HoldsAsync(cancellationToken))
            {
                await ForgetJobAsync(claim);
                return null;
            }
            var tasks = await _ledger.Tasks.RunningForOriginalAsync(job.OriginalSha256, cancellationToken);
            // A job whose task rows never came (its node died between queueing and inserting) has
            // nobody to own the result: nothing is stored.
            if (tasks.Count == 0)
            {
                await ForgetJobAsync(claim);
                return null;
            }
            string[] owners = [.. tasks.Select(t => t.Owner).OfType<string>().Distinct(StringComparer.Ordinal)];
            // The ladder first: once the result is saved, a repeated upload reuses the whole set.
            var master = streaming is null ? null : (await streaming.CommitAsync(_blobs, owners, job.OriginalSha256, cancellationToken)).Sha256;
            var (blob, created) = await _blobs.CommitAsync(pending, received, type, owners, cancellationToken, derived);
            // Saved now, so a request for the same original while the poster is made completes from
            // this result (owning it) instead of joining a job that is about to end.
            await _ledger.Tasks.SaveResultAsync(job.OriginalSha256, _settings.Recipe.Fingerprint, new MediaResult(blob.Sha256, master), cancellationToken);
            return (blob, created, master);
        }
    }

    /// <summary>
    /// Ends a job's running tasks (when <paramref name="message"/> is given and the claim still holds
    /// the job) and forgets the job.
    /// </summary>
    private async Task<MediaJobOutcome> EndAsync(IMediaJobClaim claim, MediaTaskStatus status, string? message, Exception? failure)
    {
        var gate = await _ledger.Queue.LockAsync(CancellationToken.None);
        await using (gate)
        {
            if (message is not null && await claim.HoldsAsync(CancellationToken.None))
            {
                var tasks = await _ledger.Tasks.RunningForOriginalAsync(claim.Job.OriginalSha256, CancellationToken.None);
                await _ledger.Tasks.CancelAsync([.. tasks.Select(t => t.Id)], message, CancellationToken.None);
                await _ledger.Changes.NotifyAsync([.. tasks.Select(t => t.Id)], CancellationToken.None);
            }
            await ForgetJobAsync(claim);
            return new MediaJobOutcome(claim.Job, status, Failure: failure);
        }
    }

    /// <summary>
    /// Under the lock: drops the job unless another worker holds it now, and the original unless a
    /// job still needs it.
    /// </summary>
    private async Task ForgetJobAsync(IMediaJobClaim claim)
    {
        if (await claim.HoldsAsync(CancellationToken.None))
            await _ledger.Queue.RemoveAsync(claim.Job, CancellationToken.None);
        await _ledger.DiscardOriginalUnlessQueuedAsync(claim.Job.OriginalSha256, CancellationToken.None);
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

        public ProgressWriter(MediaJobRunner service, MediaJob job, string message) => _writer = WriteAsync(service, job, message);

        public void Report(int value) => _values.Writer.TryWrite(value);

        public async ValueTask DisposeAsync()
        {
            _values.Writer.TryComplete();
            await _writer;
        }

        /// <summary>
        /// Progress is written at most this often: each write is a durable commit, and libvips reports
        /// a few dozen steps for one photo, which cost the job more than it took to make them (58 syncs
        /// for a 12 MP JPEG). A step skipped is overtaken by the next, or by the end of the task.
        /// </summary>
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

        private async Task WriteAsync(MediaJobRunner service, MediaJob job, string message)
        {
            var last = -1;
            long written = 0;
            await foreach (var value in _values.Reader.ReadAllAsync())
            {
                if (value == last || (last >= 0 && service._time.GetElapsedTime(written) < Interval))
                    continue;
                last = value;
                written = service._time.GetTimestamp();
                await service._ledger.Tasks.ReportProgressAsync(job.OriginalSha256, value, message, CancellationToken.None);
                // The tasks the job serves now: requests may have joined or left since it started.
                var tasks = await service._ledger.Tasks.RunningForOriginalAsync(job.OriginalSha256, CancellationToken.None);
                await service._ledger.Changes.NotifyAsync([.. tasks.Select(t => t.Id)], CancellationToken.None);
            }
        }
    }
}
