namespace Blossom.Core.Blobs;

/// <summary>What reading a blob's content tells beyond its bytes (BUD-08's dim and blurhash).</summary>
public sealed record BlobMetadata(long? Width, long? Height, string? Blurhash);

/// <summary>Reads a stored blob's picture size and placeholder, when its type has them.</summary>
public interface IBlobInspector
{
    /// <summary>
    /// Whether <see cref="InspectAsync"/> reads blobs of this type at all, so that a store without
    /// local files is not asked for a copy that nobody would read.
    /// </summary>
    bool Reads(string mediaType);

    /// <summary>Null when the blob has nothing to tell or cannot be read; never throws for bad content.</summary>
    Task<BlobMetadata?> InspectAsync(string path, string mediaType, CancellationToken cancellationToken);
}
