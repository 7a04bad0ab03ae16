namespace Blossom.Core.Storage;

/// <summary>
/// A store that keeps each blob as an object of a bucket clients can reach themselves, so that a blob
/// GET may send them there (BUD-01 allows redirects): to the bucket's public URL, or a presigned one.
/// </summary>
public interface IBlobBucket
{
    /// <summary>The blob's object key, as it follows the bucket's public URL.</summary>
    string KeyOf(string sha256);

    /// <summary>A URL that fetches the blob without credentials for <paramref name="lifetime"/>, served with <paramref name="contentType"/>.</summary>
    Task<string> PresignAsync(string sha256, string contentType, TimeSpan lifetime);
}
