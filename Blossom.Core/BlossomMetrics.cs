using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Blossom.Core;

/// <summary>
/// The server's own instruments, on the meter <c>Blossom</c>: bytes and blobs stored, media tasks
/// as they end, job durations, the queue's length and ffmpeg failures. Exported by the host.
/// </summary>
public sealed class BlossomMetrics
{
    public const string MeterName = "Blossom";

    private readonly Counter<long> _receivedBytes;
    private readonly Counter<long> _blobsCreated;
    private readonly Counter<long> _tasksEnded;
    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _ffmpegFailures;
    private readonly Counter<long> _chunkedUploadBytesReread;
    private readonly Counter<long> _remoteMediaFetches;
    private readonly Counter<long> _retentionOwnerships;
    private readonly Counter<long> _retentionBlobs;
    private readonly Counter<long> _retentionBytes;

    public BlossomMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _receivedBytes = meter.CreateCounter<long>("blossom.blobs.received_bytes", "By", "Bytes of blobs committed to the store: uploads, mirrors and media results.");
        _blobsCreated = meter.CreateCounter<long>("blossom.blobs.created", "{blob}", "Blobs new to the store.");
        _tasksEnded = meter.CreateCounter<long>("blossom.media.tasks.ended", "{task}", "Media jobs ended, by kind and state (complete or canceled).");
        _jobDuration = meter.CreateHistogram<double>("blossom.media.job.duration", "s", "Time from a media job's start to its end, by kind and state.");
        _ffmpegFailures = meter.CreateCounter<long>("blossom.media.ffmpeg.failures", "{failure}", "ffmpeg runs that exited with an error.");
        _remoteMediaFetches = meter.CreateCounter<long>("blossom.matrix.remote_fetches", "{fetch}",
            "Fetches of other Matrix servers' media, by outcome: fetched, not_found, too_large, timeout, failed, limited.");
        _chunkedUploadBytesReread = meter.CreateCounter<long>("blossom.partial_uploads.reread_bytes", "By",
            "Bytes of multi-part upload chunks read again to build their blob: chunks that came out of order or concurrently, or what arrived before a restart.");
        _retentionOwnerships = meter.CreateCounter<long>("blossom.retention.ownerships", "{ownership}",
            "Ownerships the storage rules expired, by rule and dry_run (true: only counted, nothing removed).");
        _retentionBlobs = meter.CreateCounter<long>("blossom.retention.blobs", "{blob}", "Blobs the storage rules removed with their last ownership, by rule and dry_run.");
        _retentionBytes = meter.CreateCounter<long>("blossom.retention.bytes", "By", "Bytes of the blobs the storage rules removed, by rule and dry_run.");
        Meter = meter;
    }

    public Meter Meter { get; }

    public void BlobCommitted(long size, bool created)
    {
        _receivedBytes.Add(size);
        if (created)
            _blobsCreated.Add(1);
    }

    public void MediaJobEnded(string kind, string state, TimeSpan duration, bool ffmpegFailed)
    {
        var tags = new TagList { { "kind", kind }, { "state", state } };
        _tasksEnded.Add(1, tags);
        _jobDuration.Record(duration.TotalSeconds, tags);
        if (ffmpegFailed)
            _ffmpegFailures.Add(1);
    }

    public void ChunkedUploadBytesReread(long bytes) => _chunkedUploadBytesReread.Add(bytes);

    public void RemoteMediaFetched(string outcome) => _remoteMediaFetches.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>What one retention sweep did (or, in a dry run, would have done) under one rule.</summary>
    public void RetentionSwept(string rule, bool dryRun, long ownerships, long blobs, long bytes)
    {
        var tags = new TagList { { "rule", rule }, { "dry_run", dryRun ? "true" : "false" } };
        _retentionOwnerships.Add(ownerships, tags);
        _retentionBlobs.Add(blobs, tags);
        _retentionBytes.Add(bytes, tags);
    }

    /// <summary>Reports the media queue's length whenever the metrics are read.</summary>
    public void ObserveQueueLength(Func<int> length) =>
        Meter.CreateObservableGauge("blossom.media.queue.length", length, "{job}", "Media jobs waiting for a worker.");
}
