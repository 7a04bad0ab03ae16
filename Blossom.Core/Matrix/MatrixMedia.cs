namespace Blossom.Core.Matrix;

/// <summary>
/// A Matrix media id (the path of an <c>mxc://</c> URI) and the blob it names. A created id (MSC2246)
/// has no blob yet: <see cref="Sha256"/> is null until its upload, and it is forgotten once
/// <see cref="UnusedExpires"/> passed without one.
/// </summary>
/// <param name="MediaId">24 URL-safe characters, unique on this server.</param>
/// <param name="Owner">The Matrix user id that created or uploaded it, e.g. <c>@alice:example.org</c>; also the blob's owner.</param>
/// <param name="Sha256">The blob's hash; null while pending.</param>
/// <param name="ContentType">The type the uploader sent; null while pending.</param>
/// <param name="FileName">The file name the uploader gave, if any.</param>
/// <param name="Created">When the id was made.</param>
/// <param name="UnusedExpires">When a pending id is forgotten; null for media uploaded with their id.</param>
/// <param name="Uploaded">When the bytes arrived; null while pending.</param>
public sealed record MatrixMedia(
    string MediaId,
    string Owner,
    string? Sha256,
    string? ContentType,
    string? FileName,
    DateTimeOffset Created,
    DateTimeOffset? UnusedExpires,
    DateTimeOffset? Uploaded)
{
    /// <summary>Whether the bytes have arrived.</summary>
    public bool IsUploaded => Sha256 is not null;

    /// <summary>Whether this is a created id whose upload did not come in time.</summary>
    public bool IsExpired(DateTimeOffset now) => !IsUploaded && UnusedExpires <= now;
}
