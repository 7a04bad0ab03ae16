namespace Blossom.Core.Blobs;

/// <summary>What the index knows of a stored blob.</summary>
/// <param name="Sha256">Lowercase hex hash of the bytes.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Type">MIME type, <c>application/octet-stream</c> when unknown.</param>
/// <param name="Uploaded">Unix seconds of the first upload to this server.</param>
/// <param name="Width">Pixels across, for images and video whose size could be read.</param>
/// <param name="Height">Pixels down.</param>
/// <param name="Blurhash">A blurhash placeholder, for images where it was cheap to compute.</param>
/// <param name="OriginalSha256">For optimized media and previews, the hash of the blob it was made from.</param>
/// <param name="Accessed">Unix seconds of the latest fetch written to the index, when storage rules count idle days.</param>
public sealed record BlobRecord(string Sha256, long Size, string Type, long Uploaded,
    long? Width = null, long? Height = null, string? Blurhash = null, string? OriginalSha256 = null, long? Accessed = null);
