using Blossom.Core.Retention;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Applies the storage rules every <c>Retention:SweepIntervalMinutes</c> (see <see cref="RetentionSweep"/>),
/// and writes the fetch times noted since the last round, also when the server stops. Without a rule
/// that removes, it never runs. Every node sweeps: two removing the same ownership remove it once.
/// </summary>
internal sealed partial class RetentionSweepService(
    RetentionSweep sweep, RetentionPolicy policy, BlobFetches fetches, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionSweepService> logger)
    : PeriodicSweepService(time)
{
    protected override SweepSchedule Schedule => policy.Removes
        ? SweepSchedule.Every(TimeSpan.FromMinutes(options.Value.SweepIntervalMinutes))
        : SweepSchedule.Never;

    protected override async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        var report = await sweep.SweepAsync(cancellationToken);
        foreach (var rule in report.Rules.Where(r => r.Ownerships > 0))
        {
            if (report.DryRun)
                LogWouldRemove(rule.Rule, rule.Ownerships, rule.Blobs, rule.Bytes);
            else
                LogRemoved(rule.Rule, rule.Ownerships, rule.Blobs, rule.Bytes);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!policy.WatchesFetches)
            return;
        try
        {
            await fetches.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFlushFailed(e);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Retention (dry run): rule {Rule} would remove {Ownerships} ownership(s), taking {Blobs} blob(s) of {Bytes} bytes; set Retention:DryRun to false to remove them")]
    private partial void LogWouldRemove(string rule, long ownerships, long blobs, long bytes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Retention: rule {Rule} removed {Ownerships} ownership(s), taking {Blobs} blob(s) of {Bytes} bytes")]
    private partial void LogRemoved(string rule, long ownerships, long blobs, long bytes);

    // What expired stays until the next round; the server serves on.
    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Retention: the sweep failed; expired blobs stay until the next round")]
    protected override partial void LogSweepFailed(Exception exception);

    // Idle days count from the fetch before: a blob fetched since may go a little early, never late.
    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Retention: the fetch times noted since the last sweep could not be written at stop")]
    private partial void LogFlushFailed(Exception exception);
}
