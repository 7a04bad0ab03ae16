using Blossom.Core.Blobs;
using Blossom.Core.Storage;

namespace Blossom.Core.Ingest;

/// <summary>The rules' settings of chunked uploads (BUD-14).</summary>
/// <param name="IdleTimeout">How long a chunked upload may go without a chunk before it is discarded.</param>
public sealed record ChunkedUploadSettings(TimeSpan IdleTimeout)
{
    private static readonly TimeSpan LongestLease = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a claim to complete an upload holds unless its node renews it (which it does three times
    /// as often): what a node that died mid-completion costs. At most half the idle timeout, so the sweep,
    /// which looks every quarter of it, finds the claim lapsed before the upload would count as idle.
    /// </summary>
    public TimeSpan CompletionLease => IdleTimeout / 2 < LongestLease ? IdleTimeout / 2 : LongestLease;
}

/// <summary>One chunk of a chunked upload (BUD-14), as its request declared it.</summary>
/// <param name="Sha256">The finished blob's hash (the path).</param>
/// <param name="Owner">The uploader's pubkey; null for an anonymous upload.</param>
/// <param name="Type">The normalized <c>Upload-Type</c>.</param>
/// <param name="Length">The <c>Upload-Length</c>.</param>
/// <param name="Offset">The <c>Upload-Offset</c>.</param>
/// <param name="ChunkLength">The chunk's <c>Content-Length</c>.</param>
/// <param name="Body">Opens the chunk's bytes once the checks that need no body have passed.</param>
public sealed record ChunkRequest(string Sha256, string? Owner, string Type, long Length, long Offset, long ChunkLength, IngestBodySource Body);

/// <summary>What a chunk led to: more chunks are needed (204), the blob was stored (201), or it already was (200).</summary>
public enum ChunkOutcome
{
    Accepted,
    Created,
    Existing,
}

/// <summary>A chunk's result: the outcome and, once the upload completed, its blob; or why the chunk was refused.</summary>
public sealed record ChunkResult(ChunkOutcome Outcome, BlobRecord? Blob, IngestRefusal? Refusal);

/// <summary>What the server holds of a chunked upload, so a client can resume it without local state.</summary>
/// <param name="Type">The upload's declared type.</param>
/// <param name="Length">The upload's declared length.</param>
/// <param name="ContiguousBytes">How many bytes from 0 are held without a gap.</param>
/// <param name="Held">The held byte ranges, by start, merged where they touch.</param>
/// <param name="ExpiresAt">When the upload is discarded unless a chunk arrives.</param>
public sealed record ChunkedUploadStatus(string Type, long Length, long ContiguousBytes, IReadOnlyList<HeldRange> Held, DateTimeOffset ExpiresAt);

/// <summary>Bytes [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) of an upload.</summary>
public readonly record struct HeldRange(long Start, long Length)
{
    public long End => Start + Length;
}

/// <summary>What a sweep of chunked uploads did: uploads it completed (left whole by a node that died) and idle ones it discarded.</summary>
public sealed record ChunkedUploadSweep(int Completed, int Discarded);

/// <summary>
/// The rules of chunked uploads (BUD-14) in one place: a chunk is checked, what of it the upload lacks
/// is stored and recorded, and the chunk that makes the upload whole builds, checks and commits the blob.
/// Each uploader of a hash has their own upload; the first to complete stores the blob, and the others
/// become its owners. The state lives in <see cref="IChunkedUploadIndex"/> and the bytes in
/// <see cref="IChunkedUploadStore"/>, so chunks of one upload may reach different nodes.
/// </summary>
public sealed class ChunkedUploads(IChunkedUploadIndex index, IChunkedUploadStore store, BlobService blobs, IQuotaReservations quotas, BlobBlocks blocks, TimeProvider time, ChunkedUploadSettings settings)
{
    private readonly StripedBlobLocks _starts = new();
    private readonly ChunksInFlight _inFlight = new();

    public ChunkedUploadSettings Settings => settings;

    /// <summary>
    /// Checks one chunk and stores the bytes of it that its upload does not hold yet; the chunk that makes
    /// the recorded chunks cover the whole length (and wins the claim to complete) builds the blob, checks
    /// its hash and commits it.
    /// </summary>
    public async Task<ChunkResult> ReceiveChunkAsync(ChunkRequest request, IngestLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Offset);
        ArgumentOutOfRangeException.ThrowIfNegative(request.ChunkLength);
        if (BlobIngest.Check(limits, request.Type, request.Length) is { } refused)
            return Refused(refused);
        // Compared without adding: an offset near long.MaxValue plus the chunk's length would wrap around and pass.
        if (request.Offset > request.Length - request.ChunkLength)
            return Refused(new(IngestRefusalKind.OutsideUpload,
                $"The chunk's bytes {request.Offset}-{(decimal)request.Offset + request.ChunkLength - 1} lie outside the upload's {request.Length} bytes"));
        // Every chunk of a blocked blob is refused, so an upload begun before the block cannot complete.
        if (await blocks.CheckAsync(request.Sha256, cancellationToken) is { } blocked)
            return Refused(blocked);
        // A chunk resent after the upload completed lands here, as does one of a blob another uploader stored.
        if (await JoinStoredAsync(request.Sha256, request.Owner, cancellationToken) is { } joined)
            return joined;
        var (upload, refusal) = await FindOrStartAsync(request, cancellationToken);
        if (refusal is not null)
            return Refused(refusal);

        IReadOnlyList<StoredChunk>? chunks;
        var arriving = new HeldRange(request.Offset, request.ChunkLength);
        using (await _inFlight.EnterAsync(upload!.Id, arriving, cancellationToken))
        {
            var missing = Missing(arriving, Held(await index.ChunksAsync(upload.Id, cancellationToken)));
            var written = new List<StoredChunk>();
            IngestRefusal? broken = null;
            try
            {
                try
                {
                    await WhileTouchedAsync(upload.Id, () => WriteMissingAsync(upload.Id, request, missing, written, cancellationToken), cancellationToken);
                }
                catch (EndOfStreamException)
                {
                    broken = new(IngestRefusalKind.ChunkIncomplete, $"The chunk ended before its Content-Length of {request.ChunkLength} bytes");
                }
            }
            finally
            {
                // Pieces stored before the body broke off count (a client resuming from HEAD then sends less),
                // and are recorded though the request is gone: unrecorded, they would lie about until the upload ends.
                chunks = broken is null || written.Count > 0
                    ? await index.AddChunksAsync(upload.Id, written, time.GetUtcNow(), CancellationToken.None)
                    : null;
            }
            if (broken is not null)
                return Refused(broken);
        }
        if (chunks is null)
        {
            // Finished meanwhile by another chunk (or another uploader), or discarded for being idle.
            return await JoinStoredAsync(request.Sha256, request.Owner, cancellationToken)
                ?? Refused(new(IngestRefusalKind.UploadExpired, "The partial upload expired while this chunk arrived; start the upload again"));
        }
        // The claim is made whether or not the client is still there: the upload is whole either way.
        if (!Covers(chunks, upload.Length) || !await ClaimAsync(upload.Id, CancellationToken.None))
            return new(ChunkOutcome.Accepted, null, null);
        // Once claimed, the completion runs to its end even when the client leaves: the chunks are all here,
        // and a client that retries then finds the blob.
        return await WhileClaimedAsync(upload.Id, () => CompleteAsync(upload, chunks));
    }

    /// <summary>What is held of <paramref name="owner"/>'s chunked upload of <paramref name="sha256"/> (null: the anonymous one); null when there is none.</summary>
    public async Task<ChunkedUploadStatus?> StatusAsync(string sha256, string? owner, CancellationToken cancellationToken)
    {
        if (await index.FindAsync(sha256, owner, cancellationToken) is not { } upload)
            return null;
        var held = Held(await index.ChunksAsync(upload.Id, cancellationToken));
        var contiguous = held is [{ Start: 0 } first, ..] ? first.Length : 0;
        return new(upload.Type, upload.Length, contiguous, held, upload.Touched + settings.IdleTimeout);
    }

    /// <summary>
    /// Completes the uploads that hold every byte but whose completion nobody holds (its node died), then
    /// discards uploads idle for longer than the timeout (their rows, then their bytes), and stored bytes of
    /// no upload that were not written for as long (left by a crash between the two, or by a chunk that
    /// arrived after its upload went).
    /// </summary>
    public async Task<ChunkedUploadSweep> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var completed = 0;
        foreach (var upload in await index.StalledAsync(now, now - settings.CompletionLease, cancellationToken))
        {
            var chunks = await index.ChunksAsync(upload.Id, cancellationToken);
            if (!Covers(chunks, upload.Length) || !await ClaimAsync(upload.Id, cancellationToken))
                continue;
            await WhileClaimedAsync(upload.Id, () => CompleteAsync(upload, chunks));
            completed++;
        }
        var idleSince = time.GetUtcNow() - settings.IdleTimeout;
        var idle = await index.RemoveIdleAsync(idleSince, cancellationToken);
        foreach (var id in idle)
            await store.DeleteAsync(id, cancellationToken);
        await foreach (var stored in store.EnumerateAsync(cancellationToken))
        {
            if (stored.LastModified < idleSince && !await index.ExistsAsync(stored.Id, cancellationToken))
                await store.DeleteAsync(stored.Id, cancellationToken);
        }
        return new(completed, idle.Count);
    }

    /// <summary>
    /// When the blob is stored: the chunk's answer. An uploader who does not own it yet becomes an owner
    /// at once, within their quota, as a whole upload of the same bytes would make them, and their own
    /// chunked upload of it ends. Null when the blob is not stored.
    /// </summary>
    private async Task<ChunkResult?> JoinStoredAsync(string sha256, string? owner, CancellationToken cancellationToken)
    {
        if (await blobs.FindAsync(sha256, cancellationToken) is not { } blob)
            return null;
        // An anonymous upload would own nothing either way.
        if (owner is null || (await blobs.OwnersAsync(sha256, cancellationToken)).Contains(owner))
            return new(ChunkOutcome.Existing, blob, null);
        var (owned, refusal) = await AddOwnerAsync(blob, owner, cancellationToken);
        if (refusal is not null)
            return Refused(refusal);
        if (owned is null)
            return null;
        if (await index.FindAsync(sha256, owner, cancellationToken) is { } mine)
            await DiscardAsync(mine.Id, cancellationToken);
        return new(ChunkOutcome.Existing, owned, null);
    }

    /// <summary>Makes <paramref name="owner"/> an owner of the stored <paramref name="blob"/> if their quota has room; the blob null when it went meanwhile.</summary>
    private async Task<(BlobRecord? Blob, IngestRefusal? Refusal)> AddOwnerAsync(BlobRecord blob, string owner, CancellationToken cancellationToken)
    {
        var quota = await quotas.ReserveAsync(owner, blob.Sha256, blob.Size, cancellationToken);
        await using (quota)
        {
            return quota.Granted
                ? (await blobs.AddOwnersAsync(blob.Sha256, [owner], cancellationToken), null)
                : (null, BlobIngest.QuotaExceeded(quota, quotas.QuotaBytes));
        }
    }

    /// <summary>
    /// The owner's upload of the chunk's hash, started by this chunk when there is none. A new upload counts
    /// against its owner's quota from its row on; the reservation covers the moment before the row exists.
    /// </summary>
    private async Task<(ChunkedUpload? Upload, IngestRefusal? Refusal)> FindOrStartAsync(ChunkRequest request, CancellationToken cancellationToken)
    {
        var upload = await index.FindAsync(request.Sha256, request.Owner, cancellationToken);
        if (upload is null)
        {
            // Chunks sent in parallel from the start all find no upload, and each reserving the whole length
            // counted it once per chunk, refusing all but one for quota. Taking turns, the later ones find the
            // first one's row. (Across nodes, the quota's database lock already makes them take turns.)
            var starting = await _starts.EnterAsync(request.Sha256, cancellationToken);
            await using (starting)
            {
                upload = await index.FindAsync(request.Sha256, request.Owner, cancellationToken);
                if (upload is null)
                {
                    var quota = await quotas.ReserveAsync(request.Owner, request.Sha256, request.Length, cancellationToken);
                    await using (quota)
                    {
                        if (!quota.Granted)
                            return (null, BlobIngest.QuotaExceeded(quota, quotas.QuotaBytes));
                        var now = time.GetUtcNow();
                        (upload, _) = await index.StartAsync(
                            new ChunkedUpload(ChunkedUpload.NewId(), request.Sha256, request.Owner, request.Type, request.Length, now, now), cancellationToken);
                    }
                }
            }
        }
        if (upload.Length != request.Length)
            return (null, new(IngestRefusalKind.InconsistentUpload, $"Upload-Length {request.Length} differs from the {upload.Length} of this upload's earlier chunks"));
        if (upload.Type != request.Type)
            return (null, new(IngestRefusalKind.InconsistentUpload, $"Upload-Type {request.Type} differs from the {upload.Type} of this upload's earlier chunks"));
        return (upload, null);
    }

    /// <summary>
    /// Reads the chunk's body, storing the <paramref name="missing"/> pieces (each as a chunk of the store,
    /// added to <paramref name="written"/> once durable) and reading past the bytes the upload holds already.
    /// </summary>
    private async Task WriteMissingAsync(string id, ChunkRequest request, IReadOnlyList<HeldRange> missing, List<StoredChunk> written, CancellationToken cancellationToken)
    {
        var body = await request.Body(cancellationToken);
        var position = request.Offset;
        foreach (var piece in missing)
        {
            await StreamCopy.CopyAsync(body, null, 0, piece.Start - position, null, cancellationToken);
            written.Add(await store.WriteChunkAsync(id, piece.Start, piece.Length, body, cancellationToken));
            position = piece.End;
        }
        // The rest is held already; it is read all the same, so that a body shorter than its length is told.
        await StreamCopy.CopyAsync(body, null, 0, request.Offset + request.ChunkLength - position, null, cancellationToken);
    }

    /// <summary>
    /// Builds the blob from the chunks and commits it when its hash is the upload's; either way the
    /// upload and its bytes go, so a mismatch leaves nothing behind (nor does a failure). Once the blob is
    /// stored, the other uploaders' uploads of it end too.
    /// </summary>
    private async Task<ChunkResult> CompleteAsync(ChunkedUpload upload, IReadOnlyList<StoredChunk> chunks)
    {
        ChunkResult result;
        try
        {
            var (pending, received) = await store.AssembleAsync(upload.Id, upload.Length, chunks, CancellationToken.None);
            await using (pending)
            {
                if (received.Sha256 != upload.Sha256)
                    return Refused(new(IngestRefusalKind.HashMismatch, $"The uploaded chunks' sha256 is {received.Sha256}, not the {upload.Sha256} of the path", received.Sha256));
                string[] owners = upload.Owner is null ? [] : [upload.Owner];
                var (blob, created) = await blobs.CommitAsync(pending, received, upload.Type, owners, CancellationToken.None);
                result = new(created ? ChunkOutcome.Created : ChunkOutcome.Existing, blob, null);
            }
        }
        finally
        {
            await DiscardAsync(upload.Id, CancellationToken.None);
        }
        await SettleOthersAsync(result.Blob!);
        return result;
    }

    /// <summary>
    /// Ends the other uploads of a blob just stored: their uploaders become owners at once (as their next
    /// chunk would make them), within their quota; an upload of another length could never have completed.
    /// An uploader without room keeps their upload, and their next chunk hears why.
    /// </summary>
    private async Task SettleOthersAsync(BlobRecord blob)
    {
        foreach (var other in await index.OfBlobAsync(blob.Sha256, CancellationToken.None))
        {
            if (other.Owner is not null && other.Length == blob.Size
                && (await AddOwnerAsync(blob, other.Owner, CancellationToken.None)).Refusal is not null)
                continue;
            await DiscardAsync(other.Id, CancellationToken.None);
        }
    }

    private async Task DiscardAsync(string id, CancellationToken cancellationToken)
    {
        await index.RemoveAsync(id, cancellationToken);
        await store.DeleteAsync(id, cancellationToken);
    }

    private async Task<bool> ClaimAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await index.ClaimCompletionAsync(id, now, now + settings.CompletionLease, cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> while marking the upload active every third of the idle timeout, so a chunk that takes longer than the timeout does not get its upload swept.</summary>
    private async Task WhileTouchedAsync(string id, Func<Task> work, CancellationToken cancellationToken) =>
        await WhileMarkedAsync((now, token) => index.TouchAsync(id, now, token), settings.IdleTimeout / 3, async () =>
        {
            await work();
            return true;
        }, cancellationToken);

    /// <summary>Runs a completion while renewing its claim (and marking activity), so the claim lapses only when this process dies.</summary>
    private Task<T> WhileClaimedAsync<T>(string id, Func<Task<T>> work)
    {
        var shorter = settings.CompletionLease < settings.IdleTimeout ? settings.CompletionLease : settings.IdleTimeout;
        return WhileMarkedAsync((now, token) => index.RenewClaimAsync(id, now, now + settings.CompletionLease, token), shorter / 3, work, CancellationToken.None);
    }

    private async Task<T> WhileMarkedAsync<T>(Func<DateTimeOffset, CancellationToken, Task<bool>> mark, TimeSpan every, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var marking = KeepMarkingAsync(mark, every, stop.Token);
        try
        {
            return await work();
        }
        finally
        {
            await stop.CancelAsync();
            await marking;
        }
    }

    private async Task KeepMarkingAsync(Func<DateTimeOffset, CancellationToken, Task<bool>> mark, TimeSpan every, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                await mark(time.GetUtcNow(), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The work ended; so does the marking.
        }
    }

    /// <summary>Whether the chunks leave no gap in [0, <paramref name="length"/>).</summary>
    private static bool Covers(IReadOnlyList<StoredChunk> chunks, long length) =>
        length == 0 || Held(chunks) is [{ Start: 0 } first, ..] && first.Length >= length;

    /// <summary>The byte ranges the chunks hold, by start, overlapping and touching ones merged.</summary>
    private static List<HeldRange> Held(IEnumerable<StoredChunk> chunks)
    {
        var held = new List<HeldRange>();
        foreach (var chunk in chunks.Where(c => c.Length > 0).OrderBy(c => c.Offset))
        {
            if (held.Count > 0 && chunk.Offset <= held[^1].End)
                held[^1] = held[^1] with { Length = Math.Max(held[^1].End, chunk.End) - held[^1].Start };
            else
                held.Add(new(chunk.Offset, chunk.Length));
        }
        return held;
    }

    /// <summary>The pieces of <paramref name="arriving"/> that none of <paramref name="held"/> (by start, merged) covers, in order.</summary>
    internal static List<HeldRange> Missing(HeldRange arriving, IReadOnlyList<HeldRange> held)
    {
        var missing = new List<HeldRange>();
        var position = arriving.Start;
        foreach (var range in held)
        {
            if (range.End <= position)
                continue;
            if (range.Start >= arriving.End)
                break;
            if (range.Start > position)
                missing.Add(new(position, range.Start - position));
            position = range.End;
        }
        if (position < arriving.End)
            missing.Add(new(position, arriving.End - position));
        return missing;
    }

    private static ChunkResult Refused(IngestRefusal refusal) => new(ChunkOutcome.Accepted, null, refusal);
}
