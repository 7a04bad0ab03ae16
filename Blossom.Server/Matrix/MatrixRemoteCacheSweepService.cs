using Blossom.Core.Matrix;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Holds the remote media cache to <c>Matrix:Federation:RemoteCacheMaxAgeDays</c> and <c>RemoteCacheMaxBytes</c>,
/// every ten minutes: media not served for that long go, then the least recently served until the rest fit.
/// Runs on every node; removing what another node removed already is nothing.
/// </summary>
internal sealed partial class MatrixRemoteCacheSweepService(IServiceProvider services, IOptions<MatrixOptions> options, TimeProvider time, ILogger<MatrixRemoteCacheSweepService> logger)
    : PeriodicSweepService(time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override SweepSchedule Schedule => options.Value.Enabled
        && (options.Value.Federation.RemoteCacheMaxAgeDays > 0 || options.Value.Federation.RemoteCacheMaxBytes > 0)
        ? SweepSchedule.Every(Interval)
        : SweepSchedule.Never;

    protected override async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await services.GetRequiredService<MatrixRemoteMediaService>().SweepAsync(cancellationToken);
        if (removed > 0)
            LogSwept(removed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Matrix: {Count} remote media left the cache by its limits")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Matrix: the remote media cache sweep failed")]
    protected override partial void LogSweepFailed(Exception exception);
}
