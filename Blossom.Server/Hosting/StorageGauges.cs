using System.Diagnostics.Metrics;
using Blossom.Core;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Gauges of what the server holds, in <c>/metrics</c>: the blobs of the index (count and bytes),
/// the free space where <c>Storage:Path</c> lies (file system storage), and the partial uploads
/// (BUD-14) held (count and bytes of their chunks). Counting the index scans its table, so a
/// scrape reads the totals of the last count and starts a new one when that is older than
/// <see cref="MaxAge"/>: however often scrapers come, a large store is counted at most that often.
/// The first count runs at start, so the first scrape has figures too.
/// </summary>
internal sealed partial class StorageGauges(
    BlossomMetrics metrics, IBlobIndex blobs, IChunkedUploadIndex partialUploads, IOptions<StorageOptions> storage, TimeProvider time, ILogger<StorageGauges> logger)
    : IHostedService
{
    /// <summary>How old the totals a scrape reports may be.</summary>
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(15);

    private Counted? _counted;
    private int _counting;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var meter = metrics.Meter;
        meter.CreateObservableGauge("blossom.blobs.stored", () => Observe(c => c.Blobs.Count), "{blob}", "Blobs in the index, counted at most 15 seconds before.");
        meter.CreateObservableGauge("blossom.blobs.stored_bytes", () => Observe(c => c.Blobs.Bytes), "By", "Bytes of the blobs in the index, counted at most 15 seconds before.");
        meter.CreateObservableGauge("blossom.partial_uploads.held", () => Observe(c => c.PartialUploads.Count), "{upload}", "Chunked uploads under way.");
        meter.CreateObservableGauge("blossom.partial_uploads.held_bytes", () => Observe(c => c.PartialUploads.HeldBytes), "By", "Bytes of the chunks that uploads under way hold.");
        if (storage.Value.Kind == StorageKind.FileSystem)
        {
            var folder = Path.GetFullPath(storage.Value.Path);
            meter.CreateObservableGauge("blossom.storage.free_bytes", () => new DriveInfo(folder).AvailableFreeSpace, "By", "Free space of the file system that holds Storage:Path.");
        }
        StartCount();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A figure of the last count (none before the first ended), starting a new count when it is stale.</summary>
    private IEnumerable<Measurement<long>> Observe(Func<Counted, long> figure)
    {
        var counted = Volatile.Read(ref _counted);
        if (counted is null || time.GetUtcNow() - counted.At > MaxAge)
            StartCount();
        return counted is null ? [] : [new Measurement<long>(figure(counted))];
    }

    /// <summary>Counts in the background unless a count runs already; the scrape does not wait for it.</summary>
    private void StartCount()
    {
        if (Interlocked.Exchange(ref _counting, 1) == 0)
            _ = CountAsync();
    }

    private async Task CountAsync()
    {
        try
        {
            var blobTotals = await blobs.TotalsAsync(CancellationToken.None);
            var partialTotals = await partialUploads.TotalsAsync(CancellationToken.None);
            Volatile.Write(ref _counted, new Counted(time.GetUtcNow(), blobTotals, partialTotals));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failed count leaves the last figures; the health checks report an unreachable database.
            LogCountFailed(logger, e);
        }
        finally
        {
            Volatile.Write(ref _counting, 0);
        }
    }

    private sealed record Counted(DateTimeOffset At, BlobTotals Blobs, ChunkedUploadTotals PartialUploads);

    [LoggerMessage(EventId = 140, Level = LogLevel.Warning, Message = "Metrics: counting the stored blobs failed")]
    private static partial void LogCountFailed(ILogger logger, Exception exception);
}
