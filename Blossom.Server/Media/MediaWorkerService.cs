using Blossom.Core;
using Blossom.Core.Media;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Media:Workers</c> loops draining the media queue, the recovery of tasks a restart
/// interrupted, and the loop that forgets ended tasks after <c>Media:TaskRetention</c>.
/// </summary>
internal sealed partial class MediaWorkerService(
    MediaJobRunner media, IOptions<MediaOptions> options, BlossomMetrics metrics, TimeProvider time, ILogger<MediaWorkerService> logger)
    : BackgroundService
{
    private static readonly TimeSpan ClaimRetry = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
            return;
        var loops = Enumerable.Range(0, options.Value.Workers).Select(_ => WorkAsync(stoppingToken)).ToList();
        loops.Add(ForgetEndedAsync(stoppingToken));
        try
        {
            var (requeued, givenUp) = await media.RecoverAsync(stoppingToken);
            if (requeued > 0)
                LogRecovered(requeued);
            if (givenUp > 0)
                LogGivenUp(givenUp);
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: running tasks stay in the database and are resumed at the next start.
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            IMediaJobClaim claim;
            try
            {
                claim = await media.ClaimAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A shared queue is a database that may be away for a moment: this worker tries
                // again shortly instead of ending for good.
                LogClaimFailed(e);
                await Task.Delay(ClaimRetry, time, stoppingToken);
                continue;
            }
            await using (claim)
                await RunAsync(claim, stoppingToken);
        }
    }

    private async Task RunAsync(IMediaJobClaim claim, CancellationToken stoppingToken)
    {
        var job = claim.Job;
        var started = time.GetTimestamp();
        MediaJobOutcome outcome;
        try
        {
            outcome = await media.RunAsync(claim, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Ending the job's tasks failed too (the database, say): they stay running until the
            // next start recovers them, and this worker goes on with the next job.
            LogFailed(e, job.OriginalSha256, job.Kind);
            return;
        }
        var duration = time.GetElapsedTime(started);
        var elapsed = duration.TotalMilliseconds;
        if (outcome.Status != MediaTaskStatus.Running)
            metrics.MediaJobEnded(job.Kind.ToString().ToLowerInvariant(), outcome.Status.ToString().ToLowerInvariant(), duration, outcome.Rejection?.ToolFailed == true);
        if (outcome.Failure is { } failure)
            LogFailed(failure, job.OriginalSha256, job.Kind);
        else if (outcome.Rejection is { } rejection)
            LogRejected(job.OriginalSha256, job.Kind, rejection.Message, rejection.Detail);
        else
            LogEnded(job.OriginalSha256, job.Kind, outcome.Status, elapsed);
    }

    private async Task ForgetEndedAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.TaskRetention;
        var interval = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerHour));
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var forgotten = await media.ForgetEndedAsync(retention, stoppingToken);
                if (forgotten > 0)
                    LogForgotten(forgotten);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A failed pass (the database, say) is tried again at the next tick, not the host's end.
                LogForgetFailed(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Media: {Count} interrupted job(s) queued again after the restart")]
    private partial void LogRecovered(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media: gave up {Count} task(s) whose job was started again and again without ending")]
    private partial void LogGivenUp(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Media: {Sha256} ({Kind}) ended {Status} in {Milliseconds:F0} ms")]
    private partial void LogEnded(string sha256, MediaKind kind, MediaTaskStatus status, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Media: {Sha256} ({Kind}) refused: {Reason} ({Detail})")]
    private partial void LogRejected(string sha256, MediaKind kind, string reason, string? detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Media: {Sha256} ({Kind}) failed")]
    private partial void LogFailed(Exception exception, string sha256, MediaKind kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Media: taking a job from the queue failed; trying again")]
    private partial void LogClaimFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Media: forgetting ended tasks failed")]
    private partial void LogForgetFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Media: forgot {Count} ended task(s)")]
    private partial void LogForgotten(int count);
}
