using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>
/// Completes chunked uploads (BUD-14) that hold every byte but were left by a node that died while
/// completing them, and discards those that went without a chunk for <c>Upload:PartialTimeoutSeconds</c>,
/// with their bytes, freeing the quota they held. It looks at start and then every quarter of the timeout
/// (at most every 30 s), so an upload goes at most that much after it expired; on every node, since each
/// upload is handed to one of them only.
/// </summary>
internal sealed partial class ChunkedUploadSweepService(ChunkedUploads uploads, TimeProvider time, ILogger<ChunkedUploadSweepService> logger)
    : PeriodicSweepService(time)
{
    private static readonly TimeSpan LongestInterval = TimeSpan.FromSeconds(30);

    // The first round at once: after a restart, an upload this node was completing waits for no chunk.
    protected override SweepSchedule Schedule =>
        SweepSchedule.AtStartThenEvery(SweepSchedule.QuarterOf(uploads.Settings.IdleTimeout, LongestInterval));

    protected override async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        var swept = await uploads.SweepAsync(cancellationToken);
        if (swept.Completed > 0)
            LogCompleted(swept.Completed);
        if (swept.Discarded > 0)
            LogSwept(swept.Discarded);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploads: completed {Count} multi-part upload(s) that held every byte but whose completion had stopped")]
    private partial void LogCompleted(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploads: discarded {Count} idle multi-part upload(s)")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Uploads: the sweep of idle multi-part uploads failed")]
    protected override partial void LogSweepFailed(Exception exception);
}
