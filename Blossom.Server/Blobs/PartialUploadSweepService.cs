using Blossom.Core.Ingest;

namespace Blossom.Server.Blobs;

/// <summary>
/// Discards multi-part uploads (BUD-14) that went without a chunk for <c>Upload:PartialTimeoutSeconds</c>,
/// and their bytes, freeing the quota they held. It looks every quarter of the timeout (at most every
/// 30 s), so an upload goes at most that much after it expired; on every node, since each hash is handed
/// to one of them only.
/// </summary>
internal sealed partial class PartialUploadSweepService(ChunkedUploads uploads, TimeProvider time, ILogger<PartialUploadSweepService> logger) : BackgroundService
{
    private static readonly TimeSpan LongestInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var quarter = uploads.Settings.IdleTimeout / 4;
        using var timer = new PeriodicTimer(quarter < LongestInterval ? quarter : LongestInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var removed = await uploads.SweepAsync(stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploads: discarded {Count} idle multi-part upload(s)")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Uploads: the sweep of idle multi-part uploads failed")]
    private partial void LogSweepFailed(Exception exception);
}
