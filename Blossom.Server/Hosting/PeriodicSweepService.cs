namespace Blossom.Server;

/// <summary>
/// Runs a sweep in rounds beside the requests: one at start if the schedule asks for it, then one every
/// period on the injected <see cref="TimeProvider"/> (so tests drive it with a fake clock). A failed round
/// is logged and the next one runs as planned: the server serves on. Stopping the host cancels the wait.
/// </summary>
internal abstract class PeriodicSweepService(TimeProvider time) : BackgroundService
{
    /// <summary>When rounds run; read once, at start, so it may depend on settings resolved late.</summary>
    protected abstract SweepSchedule Schedule { get; }

    /// <summary>One round of the sweep; reports what it did itself.</summary>
    protected abstract Task SweepOnceAsync(CancellationToken cancellationToken);

    /// <summary>Logs a round that threw; each sweep says in its own words what was left undone.</summary>
    protected abstract void LogSweepFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = Schedule;
        try
        {
            if (schedule.AtStart)
                await SweepLoggingFailureAsync(stoppingToken);
            if (schedule.Period is not { } period)
                return;
            using var timer = new PeriodicTimer(period, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await SweepLoggingFailureAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task SweepLoggingFailureAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SweepOnceAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogSweepFailed(e);
        }
    }
}
