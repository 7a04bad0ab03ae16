using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// Once at start-up, removes stored blobs the index does not know (see
/// <see cref="BlobService.SweepOrphansAsync"/>). It runs beside the requests rather than before
/// them: listing a large bucket takes a while, and nothing waits for its outcome.
/// </summary>
internal sealed partial class OrphanSweepService(BlobService blobs, ILogger<OrphanSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var removed = await blobs.SweepOrphansAsync(stoppingToken).ConfigureAwait(false);
            if (removed > 0)
                LogSwept(removed);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // The orphans stay until the next start; the server serves on.
            LogSweepFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage: removed {Count} stored blob(s) without an index row")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage: the sweep for stored blobs without an index row failed")]
    private partial void LogSweepFailed(Exception exception);
}
