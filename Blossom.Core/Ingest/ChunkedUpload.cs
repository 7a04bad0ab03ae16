using Blossom.Core.Blobs;

namespace Blossom.Core.Ingest;

/// <summary>
/// A chunked upload (BUD-14) that has not yet received every byte: what its first chunk declared,
/// who sent it, and when a chunk last arrived. Every node sees the same one (it lives in the database).
/// Each uploader of a hash has an upload of their own, so nobody's chunks can hold up another's.
/// </summary>
/// <param name="Id">The name its bytes go by in the chunked-upload store (see <see cref="NewId"/>).</param>
/// <param name="Sha256">The hash the finished blob must have.</param>
/// <param name="Owner">The uploader's pubkey; null for an anonymous upload (all anonymous chunks of a hash share one).</param>
/// <param name="Type">The normalized <c>Upload-Type</c>.</param>
/// <param name="Length">The <c>Upload-Length</c>: the finished blob's size.</param>
/// <param name="Created">When the first chunk arrived.</param>
/// <param name="Touched">When a chunk last arrived or made progress; the idle timeout counts from here.</param>
/// <param name="ClaimedUntil">
/// Until when a node holds the claim to build and commit the blob (it renews it while it works); null when
/// nobody claimed it. A claim whose time passed was left by a node that died, and may be taken again.
/// </param>
public sealed record ChunkedUpload(string Id, string Sha256, string? Owner, string Type, long Length, DateTimeOffset Created, DateTimeOffset Touched, DateTimeOffset? ClaimedUntil = null)
{
    /// <summary>A fresh id: 32 lowercase hex characters.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// Whether <paramref name="id"/> can name an upload's bytes: 32 lowercase hex characters, or 64 for
    /// the uploads from before each uploader had their own, which were named by their hash.
    /// </summary>
    public static bool IsValidId(string id) =>
        id is { Length: 32 or BlobHash.HexLength } && BlobHash.IsLowerHex(id);
}

/// <summary>
/// Bytes [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Length"/>) of a
/// chunked upload, stored durably as <paramref name="Part"/> of the chunked-upload store (a name
/// only that store reads).
/// </summary>
public sealed record StoredChunk(long Offset, long Length, string Part)
{
    public long End => Offset + Length;
}

/// <summary>A chunked upload whose bytes the chunked-upload store holds, with when they were last written.</summary>
public sealed record StoredChunkedUpload(string Id, DateTimeOffset LastModified);
