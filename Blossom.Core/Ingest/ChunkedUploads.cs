using Blossom.Core.Blobs;

namespace Blossom.Core.Ingest;

/// <summary>The rules' settings of multi-part uploads (BUD-14).</summary>
/// <param name="IdleTimeout">How long a partial upload may go without a chunk before it is discarded.</param>
public sealed record ChunkedUploadSettings(TimeSpan IdleTimeout);

/// <summary>One chunk of a multi-part upload (BUD-14), as its request declared it.</summary>
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

/// <summary>What the server holds of a partial upload, so a client can resume it without local state.</summary>
/// <param name="Owner">The uploader's pubkey; null for an anonymous upload.</param>
/// <param name="Type">The upload's declared type.</param>
/// <param name="Length">The upload's declared length.</param>
/// <param name="ContiguousBytes">How many bytes from 0 are held without a gap.</param>
/// <param name="Held">The held byte ranges, by start, merged where they touch.</param>
/// <param name="ExpiresAt">When the upload is discarded unless a chunk arrives.</param>
public sealed record PartialUploadStatus(string? Owner, string Type, long Length, long ContiguousBytes, IReadOnlyList<PartialRange> Held, DateTimeOffset ExpiresAt);

/// <summary>Bytes [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) of an upload.</summary>
public readonly record struct PartialRange(long Start, long Length)
{
    public long End => Start + Length;
}

/// <summary>
/// The rules of multi-part uploads (BUD-14) in one place: a chunk is checked, stored and recorded,
/// and the chunk that completes the upload builds, checks and commits the blob. The state lives in
/// <see cref="IPartialUploadIndex"/> and the bytes in <see cref="IPartialUploadStore"/>, so chunks of one
/// upload may reach different nodes.
/// </summary>
public sealed class ChunkedUploads(IPartialUploadIndex index, IPartialUploadStore store, BlobService blobs, IQuotaReservations quotas, TimeProvider time, ChunkedUploadSettings settings)
{
    private readonly StripedBlobLocks _starts = new();

    public ChunkedUploadSettings Settings => settings;

    /// <summary>
    /// Checks, stores and records one chunk; the chunk that makes the recorded chunks cover the whole
    /// length (and wins the claim to complete) builds the blob, checks its hash and commits it.
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
        // Someone who has the blob already has nothing to prove: a chunk resent after the upload completed lands here.
        if (await OwnedBlobAsync(request.Sha256, request.Owner, cancellationToken).ConfigureAwait(false) is { } owned)
            return new(ChunkOutcome.Existing, owned, null);
        var (upload, refusal) = await FindOrStartAsync(request, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
            return Refused(refusal);

        PartialChunk chunk;
        try
        {
            chunk = await WhileTouchedAsync(request.Sha256, async () =>
            {
                var body = await request.Body(cancellationToken).ConfigureAwait(false);
                return await store.WriteChunkAsync(request.Sha256, request.Offset, request.ChunkLength, body, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            return Refused(new(IngestRefusalKind.ChunkIncomplete, $"The chunk ended before its Content-Length of {request.ChunkLength} bytes"));
        }
        var chunks = await index.AddChunkAsync(request.Sha256, chunk, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (chunks is null)
        {
            // Finished meanwhile by another chunk, or discarded for being idle.
            return await OwnedBlobAsync(request.Sha256, request.Owner, cancellationToken).ConfigureAwait(false) is { } completed
                ? new(ChunkOutcome.Existing, completed, null)
                : Refused(new(IngestRefusalKind.UploadExpired, "The partial upload expired while this chunk arrived; start the upload again"));
        }
        if (!Covers(chunks, upload!.Length) || !await index.ClaimCompletionAsync(request.Sha256, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
            return new(ChunkOutcome.Accepted, null, null);
        // Once claimed, the completion runs to its end even when the client leaves: the chunks are all here,
        // and a client that retries then finds the blob.
        return await WhileTouchedAsync(request.Sha256, () => CompleteAsync(upload, chunks), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>What is held of the partial upload of <paramref name="sha256"/>; null when there is none.</summary>
    public async Task<PartialUploadStatus?> StatusAsync(string sha256, CancellationToken cancellationToken)
    {
        if (await index.FindAsync(sha256, cancellationToken).ConfigureAwait(false) is not { } upload)
            return null;
        var held = Held(await index.ChunksAsync(sha256, cancellationToken).ConfigureAwait(false));
        var contiguous = held is [{ Start: 0 } first, ..] ? first.Length : 0;
        return new(upload.Owner, upload.Type, upload.Length, contiguous, held, upload.Touched + settings.IdleTimeout);
    }

    /// <summary>
    /// Discards uploads idle for longer than the timeout (their rows, then their bytes), and stored bytes
    /// of no upload that were not written for as long (left by a crash between the two, or by a chunk that
    /// arrived after its upload went); answers how many uploads went.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var idleSince = time.GetUtcNow() - settings.IdleTimeout;
        var idle = await index.RemoveIdleAsync(idleSince, cancellationToken).ConfigureAwait(false);
        foreach (var sha256 in idle)
            await store.DeleteAsync(sha256, cancellationToken).ConfigureAwait(false);
        await foreach (var stored in store.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (stored.LastModified < idleSince && await index.FindAsync(stored.Sha256, cancellationToken).ConfigureAwait(false) is null)
                await store.DeleteAsync(stored.Sha256, cancellationToken).ConfigureAwait(false);
        }
        return idle.Count;
    }

    private async Task<BlobRecord?> OwnedBlobAsync(string sha256, string? owner, CancellationToken cancellationToken)
    {
        if (await blobs.FindAsync(sha256, cancellationToken).ConfigureAwait(false) is not { } blob)
            return null;
        // An anonymous upload would own nothing either way.
        return owner is null || (await blobs.OwnersAsync(sha256, cancellationToken).ConfigureAwait(false)).Contains(owner) ? blob : null;
    }

    /// <summary>
    /// The upload the chunk belongs to, started by this chunk when there is none. A new upload counts
    /// against its owner's quota from its row on; the reservation covers the moment before the row exists.
    /// </summary>
    private async Task<(PartialUpload? Upload, IngestRefusal? Refusal)> FindOrStartAsync(ChunkRequest request, CancellationToken cancellationToken)
    {
        var upload = await index.FindAsync(request.Sha256, cancellationToken).ConfigureAwait(false);
        if (upload is null)
        {
            // Chunks sent in parallel from the start all find no upload, and each reserving the whole length
            // counted it once per chunk, refusing all but one for quota. Taking turns, the later ones find the
            // first one's row. (Across nodes, the quota's database lock already makes them take turns.)
            var starting = await _starts.EnterAsync(request.Sha256, cancellationToken).ConfigureAwait(false);
            await using (starting.ConfigureAwait(false))
            {
                upload = await index.FindAsync(request.Sha256, cancellationToken).ConfigureAwait(false);
                if (upload is null)
                {
                    var quota = await quotas.ReserveAsync(request.Owner, request.Sha256, request.Length, cancellationToken).ConfigureAwait(false);
                    await using (quota.ConfigureAwait(false))
                    {
                        if (!quota.Granted)
                            return (null, BlobIngest.QuotaExceeded(quota, quotas.QuotaBytes));
                        var now = time.GetUtcNow();
                        (upload, _) = await index.StartAsync(new PartialUpload(request.Sha256, request.Owner, request.Type, request.Length, now, now), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        if (upload.Owner != request.Owner)
            return (null, new(IngestRefusalKind.NotYourUpload, "Another uploader's partial upload of this blob is under way; only its own chunks are accepted"));
        if (upload.Length != request.Length)
            return (null, new(IngestRefusalKind.InconsistentUpload, $"Upload-Length {request.Length} differs from the {upload.Length} of this upload's earlier chunks"));
        if (upload.Type != request.Type)
            return (null, new(IngestRefusalKind.InconsistentUpload, $"Upload-Type {request.Type} differs from the {upload.Type} of this upload's earlier chunks"));
        return (upload, null);
    }

    /// <summary>
    /// Builds the blob from the chunks and commits it when its hash is the upload's; either way the
    /// upload and its bytes go, so a mismatch leaves nothing behind (nor does a failure).
    /// </summary>
    private async Task<ChunkResult> CompleteAsync(PartialUpload upload, IReadOnlyList<PartialChunk> chunks)
    {
        try
        {
            var (pending, received) = await store.AssembleAsync(upload.Sha256, upload.Length, chunks, CancellationToken.None).ConfigureAwait(false);
            await using (pending.ConfigureAwait(false))
            {
                if (received.Sha256 != upload.Sha256)
                    return Refused(new(IngestRefusalKind.HashMismatch, $"The uploaded chunks' sha256 is {received.Sha256}, not the {upload.Sha256} of the path", received.Sha256));
                string[] owners = upload.Owner is null ? [] : [upload.Owner];
                var (blob, created) = await blobs.CommitAsync(pending, received, upload.Type, owners, CancellationToken.None).ConfigureAwait(false);
                return new(created ? ChunkOutcome.Created : ChunkOutcome.Existing, blob, null);
            }
        }
        finally
        {
            await index.RemoveAsync(upload.Sha256, CancellationToken.None).ConfigureAwait(false);
            await store.DeleteAsync(upload.Sha256, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> while marking the upload active every third of the idle timeout,
    /// so a chunk (or a completion) that takes longer than the timeout does not get its upload swept.
    /// </summary>
    private async Task<T> WhileTouchedAsync<T>(string sha256, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var touching = KeepTouchedAsync(sha256, stop.Token);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await touching.ConfigureAwait(false);
        }
    }

    private async Task KeepTouchedAsync(string sha256, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.IdleTimeout / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                await index.TouchAsync(sha256, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The work ended; so does the touching.
        }
    }

    /// <summary>Whether the chunks leave no gap in [0, <paramref name="length"/>).</summary>
    private static bool Covers(IReadOnlyList<PartialChunk> chunks, long length) =>
        length == 0 || Held(chunks) is [{ Start: 0 } first, ..] && first.Length >= length;

    /// <summary>The byte ranges the chunks hold, by start, overlapping and touching ones merged.</summary>
    private static List<PartialRange> Held(IEnumerable<PartialChunk> chunks)
    {
        var held = new List<PartialRange>();
        foreach (var chunk in chunks.Where(c => c.Length > 0).OrderBy(c => c.Offset))
        {
            if (held.Count > 0 && chunk.Offset <= held[^1].End)
                held[^1] = held[^1] with { Length = Math.Max(held[^1].End, chunk.End) - held[^1].Start };
            else
                held.Add(new(chunk.Offset, chunk.Length));
        }
        return held;
    }

    private static ChunkResult Refused(IngestRefusal refusal) => new(ChunkOutcome.Accepted, null, refusal);
}
