using Blossom.Core.Blobs;
using Blossom.Core.Matrix;
using Blossom.Core.Moderation;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Migration;

/// <summary>One side of a copy: where blob bytes, the index, the moderation records, the Matrix media ids, the remote media cache and the quarantine live.</summary>
public sealed record DataStores(IBlobStore Store, IBlobIndex Index, IModerationStore Moderation, IMatrixMediaIndex MatrixMedia,
    IMatrixRemoteMediaIndex RemoteMedia, IMatrixQuarantine Quarantine);

/// <summary>What a copy did.</summary>
/// <param name="Blobs">Index entries taken in, their bytes now in the destination store.</param>
/// <param name="CopiedBlobs">Blobs whose bytes were copied (the others were there already).</param>
/// <param name="CopiedBytes">The bytes those took.</param>
/// <param name="Unreadable">Index entries skipped: the source store lacks their bytes, or has other bytes under their hash.</param>
/// <param name="Blocks">Blocks taken in: of pubkeys and of blobs.</param>
/// <param name="Reports">Reported blobs the destination did not have a report of yet.</param>
/// <param name="MatrixMedia">Matrix media ids the destination did not know yet.</param>
/// <param name="RemoteMedia">Cached media of other Matrix servers, whose blobs no user owns.</param>
/// <param name="Quarantined">Quarantined Matrix media and servers the destination did not have yet.</param>
public sealed record DataCopyResult(long Blobs, long CopiedBlobs, long CopiedBytes, long Unreadable, int Blocks, int Reports, long MatrixMedia = 0, long RemoteMedia = 0, int Quarantined = 0)
{
    /// <summary>Whether everything the source had is now in the destination.</summary>
    public bool Complete => Unreadable == 0;
}

/// <summary>
/// Copies a server's data into other stores (e.g. a folder and SQLite into S3 and PostgreSQL):
/// blocks and reports first, as they guard the server; then, for each index entry, the blob's bytes
/// through the destination's write path, so the hash is verified, and after them its entry with
/// every owner and their times; then the Matrix media ids, which name those blobs, so no mxc:// URI
/// breaks. One instance runs once. Whatever the destination has already is skipped or merged, so a run
/// that was interrupted is finished by running again, and a second run duplicates nothing. Bytes
/// without an index entry are not copied: no one could get them, and the start-up sweep removes them.
/// Media tasks and the record of what media was optimized into what are not copied: they are transient.
/// Nor is the preview index: previews are blobs and copied as such, and the first request for one
/// on the destination makes it again, which finds the same blob.
/// </summary>
public sealed partial class DataCopy(DataStores source, DataStores destination, ILogger<DataCopy> logger)
{
    private const int PageSize = 500;

    /// <summary>Blobs copied at once: enough to hide an object store's round trips, few enough for a small host.</summary>
    private const int Parallelism = 4;

    private long _blobs;
    private long _copiedBlobs;
    private long _copiedBytes;
    private long _unreadable;

    public async Task<DataCopyResult> RunAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var (blocks, reports) = await CopyModerationAsync(cancellationToken);
        LogModerationCopied(blocks, reports);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        string? cursor = null;
        while (await source.Index.ListAllAsync(cursor, PageSize, cancellationToken) is { Count: > 0 } page)
        {
            await Parallel.ForEachAsync(page, options, CopyBlobAsync);
            cursor = page[^1].Blob.Sha256;
            // The page's copies have all ended: the counts are settled.
            LogProgress(_blobs, _copiedBlobs, _copiedBytes, _unreadable);
        }
        var matrixMedia = await CopyMatrixMediaAsync(cancellationToken);
        LogMatrixMediaCopied(matrixMedia);
        var (remoteMedia, quarantined) = await CopyMatrixFederationAsync(cancellationToken);
        LogMatrixFederationCopied(remoteMedia, quarantined);
        return new DataCopyResult(_blobs, _copiedBlobs, _copiedBytes, _unreadable, blocks, reports, matrixMedia, remoteMedia, quarantined);
    }

    /// <summary>The quarantine, then the remote media cache's rows, so the blobs copied above stay cached media rather than blobs nobody names.</summary>
    private async Task<(long RemoteMedia, int Quarantined)> CopyMatrixFederationAsync(CancellationToken cancellationToken)
    {
        var quarantined = 0;
        foreach (var entry in await source.Quarantine.ListAsync(cancellationToken))
        {
            if (await destination.Quarantine.AddAsync(entry.ServerName, entry.MediaId, entry.Reason, entry.Created, cancellationToken))
                quarantined++;
        }
        long remoteMedia = 0;
        (string, string)? after = null;
        while (await source.RemoteMedia.ListAsync(after, PageSize, cancellationToken) is { Count: > 0 } page)
        {
            foreach (var media in page)
            {
                await destination.RemoteMedia.AddAsync(media, cancellationToken);
                remoteMedia++;
            }
            after = (page[^1].ServerName, page[^1].MediaId);
        }
        return (remoteMedia, quarantined);
    }

    private async Task<long> CopyMatrixMediaAsync(CancellationToken cancellationToken)
    {
        long imported = 0;
        string? after = null;
        while (await source.MatrixMedia.ListAsync(after, PageSize, cancellationToken) is { Count: > 0 } page)
        {
            foreach (var media in page)
            {
                if (await destination.MatrixMedia.ImportAsync(media, cancellationToken))
                    imported++;
            }
            after = page[^1].MediaId;
        }
        return imported;
    }

    private async Task<(int Blocks, int Reports)> CopyModerationAsync(CancellationToken cancellationToken)
    {
        var blocked = await source.Moderation.BlockedAsync(cancellationToken);
        foreach (var block in blocked)
            await destination.Moderation.ImportBlockAsync(block, cancellationToken);
        var blockedBlobs = await source.Moderation.BlockedBlobsAsync(cancellationToken);
        foreach (var block in blockedBlobs)
            await destination.Moderation.ImportBlockedBlobAsync(block, cancellationToken);
        // Reports are few next to blobs (one per reporter and blob): one read takes them all.
        var reported = 0;
        foreach (var report in (await source.Moderation.ReportsAsync(null, int.MaxValue, cancellationToken)).GroupBy(r => r.EventId, StringComparer.Ordinal))
        {
            var first = report.First();
            var added = await destination.Moderation.AddReportAsync(
                new ReportEvent(first.EventId, first.Reporter, first.Content, first.Event, first.Received),
                [.. report.Select(r => new ReportedBlob(r.Sha256, r.Kind))], cancellationToken);
            reported += added.Count;
        }
        return (blocked.Count + blockedBlobs.Count, reported);
    }

    private async ValueTask CopyBlobAsync(OwnedBlob entry, CancellationToken cancellationToken)
    {
        var sha256 = entry.Blob.Sha256;
        if (await destination.Store.LengthAsync(sha256, cancellationToken) is null)
        {
            var content = await source.Store.OpenReadAsync(sha256, 0, null, cancellationToken);
            if (content is null)
            {
                Interlocked.Increment(ref _unreadable);
                LogMissing(sha256);
                return;
            }
            await using (content)
            {
                var pending = await destination.Store.BeginWriteAsync(sha256, cancellationToken);
                await using (pending)
                {
                    var received = await pending.ReceiveAsync(content.Stream, long.MaxValue, cancellationToken);
                    if (!string.Equals(received.Sha256, sha256, StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref _unreadable);
                        LogCorrupt(sha256, received.Sha256);
                        return;
                    }
                    await pending.CommitAsync(cancellationToken);
                    Interlocked.Increment(ref _copiedBlobs);
                    Interlocked.Add(ref _copiedBytes, received.Size);
                }
            }
        }
        // The entry after the bytes: an interruption in between leaves bytes the next run finds in place.
        await destination.Index.ImportAsync(entry, cancellationToken);
        Interlocked.Increment(ref _blobs);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "copy-data: {Blocks} block(s) of pubkeys and blobs and {Reports} new report(s) copied")]
    private partial void LogModerationCopied(int blocks, int reports);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "copy-data: {MatrixMedia} new Matrix media id(s) copied")]
    private partial void LogMatrixMediaCopied(long matrixMedia);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "copy-data: {RemoteMedia} cached remote Matrix media and {Quarantined} quarantine(s) copied")]
    private partial void LogMatrixFederationCopied(long remoteMedia, int quarantined);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "copy-data: {Blobs} blob(s) indexed, {CopiedBlobs} copied ({CopiedBytes} bytes), {Unreadable} unreadable in the source")]
    private partial void LogProgress(long blobs, long copiedBlobs, long copiedBytes, long unreadable);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "copy-data: the source index lists {Sha256}, but the source store has no bytes for it; skipped")]
    private partial void LogMissing(string sha256);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "copy-data: the source store's bytes for {Sha256} hash to {Actual}; skipped")]
    private partial void LogCorrupt(string sha256, string actual);
}
