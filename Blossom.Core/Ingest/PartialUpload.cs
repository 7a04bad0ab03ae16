namespace Blossom.Core.Ingest;

/// <summary>
/// A multi-part upload (BUD-14) that has not yet received every byte: what its first chunk declared,
/// who sent it, and when a chunk last arrived. Every node sees the same one (it lives in the database).
/// </summary>
/// <param name="Sha256">The hash the finished blob must have; one partial upload per hash.</param>
/// <param name="Owner">The uploader's pubkey; null for an anonymous upload.</param>
/// <param name="Type">The normalized <c>Upload-Type</c>.</param>
/// <param name="Length">The <c>Upload-Length</c>: the finished blob's size.</param>
/// <param name="Created">When the first chunk arrived.</param>
/// <param name="Touched">When a chunk last arrived or made progress; the idle timeout counts from here.</param>
/// <param name="Completing">Whether a node has claimed the upload to build and commit its blob.</param>
public sealed record PartialUpload(string Sha256, string? Owner, string Type, long Length, DateTimeOffset Created, DateTimeOffset Touched, bool Completing = false);

/// <summary>
/// Bytes [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Length"/>) of a
/// partial upload, stored durably as <paramref name="Part"/> of the partial-upload store (a name
/// only that store reads).
/// </summary>
public sealed record PartialChunk(long Offset, long Length, string Part)
{
    public long End => Offset + Length;
}
