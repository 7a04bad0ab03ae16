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
    : PeriodicSweepService(time)
{
    private static readonly TimeSpan LongestInterval = TimeSpan.FromMinutes(1);

    // Resolved only when Matrix is on: its services are not registered otherwise.
    private MatrixMediaService Media => services.GetRequiredService<MatrixMediaService>();

    protected override SweepSchedule Schedule => options.Value.Enabled
        ? SweepSchedule.Every(SweepSchedule.QuarterOf(Media.Settings.UnusedExpiry, LongestInterval))
        : SweepSchedule.Never;

    protected override async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await Media.SweepExpiredAsync(cancellationToken);
        if (removed > 0)
            LogSwept(removed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Matrix: forgot {Count} created media id(s) whose upload never came")]
    private partial void LogSwept(int count);

    // The next round tries again; the server serves on.
    [LoggerMessage(Level = LogLevel.Error, Message = "Matrix: the sweep of expired media ids failed")]
    protected override partial void LogSweepFailed(Exception exception);
}
