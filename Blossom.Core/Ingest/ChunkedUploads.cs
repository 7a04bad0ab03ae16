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
/// and the chunk that completes the upload builds, checks and commits the blob.
/// </summary>
public sealed class ChunkedUploads(IPartialUploadIndex index, IPartialUploadStore store, BlobService blobs, IQuotaReservations quotas, TimeProvider time, ChunkedUploadSettings settings)
{
    /// <summary>Checks, stores and records one chunk; completes the upload when the chunk was its last missing bytes.</summary>
    public Task<ChunkResult> ReceiveChunkAsync(ChunkRequest request, IngestLimits limits, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    /// <summary>What is held of the partial upload of <paramref name="sha256"/>; null when there is none.</summary>
    public Task<PartialUploadStatus?> StatusAsync(string sha256, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    /// <summary>Discards uploads idle for longer than the timeout, and stored bytes no upload knows; answers how many uploads went.</summary>
    public Task<int> SweepAsync(CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    // Placeholder until the bodies land, so the unread parameters do not fail the build.
    internal object[] Dependencies => [index, store, blobs, quotas, time, settings];
}
