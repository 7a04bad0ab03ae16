using Blossom.Core.Matrix;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Forgets created Matrix media ids (MSC2246) whose upload did not come before <c>Matrix:UnusedExpirySeconds</c>,
/// every quarter of that time, at most every minute. Until swept, an expired id already answers as unknown,
/// so the interval only bounds the table's growth and how long a waiting download waits for nothing.
/// Runs on every node; the delete is the same wherever it runs.
/// </summary>
internal sealed partial class MatrixExpirySweepService(IServiceProvider services, IOptions<MatrixOptions> options, TimeProvider time, ILogger<MatrixExpirySweepService> logger)
    : BackgroundService
{
    private static readonly TimeSpan LongestInterval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
            return;
        var media = services.GetRequiredService<MatrixMediaService>();
        var quarter = media.Settings.UnusedExpiry / 4;
        using var timer = new PeriodicTimer(quarter < LongestInterval ? quarter : LongestInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var removed = await media.SweepExpiredAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                        LogSwept(removed);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The next round tries again; the server serves on.
                    LogSweepFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Matrix: forgot {Count} created media id(s) whose upload never came")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Matrix: the sweep of expired media ids failed")]
    private partial void LogSweepFailed(Exception exception);
}
