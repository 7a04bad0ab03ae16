using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>
/// Completes multi-part uploads (BUD-14) that hold every byte but were left by a node that died while
/// completing them, and discards those that went without a chunk for <c>Upload:PartialTimeoutSeconds</c>,
/// with their bytes, freeing the quota they held. It looks at start and then every quarter of the timeout
/// (at most every 30 s), so an upload goes at most that much after it expired; on every node, since each
/// upload is handed to one of them only.
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
            // The first round at once: after a restart, an upload this node was completing waits for no chunk.
            do
            {
                try
                {
                    var swept = await uploads.SweepAsync(stoppingToken).ConfigureAwait(false);
                    if (swept.Completed > 0)
                        LogCompleted(swept.Completed);
                    if (swept.Discarded > 0)
                        LogSwept(swept.Discarded);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The next round tries again; the server serves on.
                    LogSweepFailed(e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploads: completed {Count} multi-part upload(s) that held every byte but whose completion had stopped")]
    private partial void LogCompleted(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploads: discarded {Count} idle multi-part upload(s)")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Uploads: the sweep of idle multi-part uploads failed")]
    private partial void LogSweepFailed(Exception exception);
}
