using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// Once at start-up, removes stored blobs the index does not know (see
/// <see cref="BlobService.SweepOrphansAsync"/>). It runs beside the requests rather than before
/// them: listing a large bucket takes a while, and nothing waits for its outcome.
/// </summary>
internal sealed partial class OrphanSweepService(BlobService blobs, TimeProvider time, ILogger<OrphanSweepService> logger)
    : PeriodicSweepService(time)
{
    protected override SweepSchedule Schedule => SweepSchedule.OnceAtStart;

    protected override async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        var removed = await blobs.SweepOrphansAsync(cancellationToken);
        if (removed > 0)
            LogSwept(removed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage: removed {Count} stored blob(s) without an index row")]
    private partial void LogSwept(int count);

    // The orphans stay until the next start; the server serves on.
    [LoggerMessage(Level = LogLevel.Error, Message = "Storage: the sweep for stored blobs without an index row failed")]
    protected override partial void LogSweepFailed(Exception exception);
}
