namespace Blossom.Core.Matrix;

/// <summary>
/// A media of another Matrix server, fetched over federation and kept as a blob of this server's
/// store (owned by nobody) so it is never fetched again while cached.
/// </summary>
/// <param name="ServerName">The <c>mxc://</c> authority, the media's origin server.</param>
/// <param name="MediaId">The media id on that server.</param>
/// <param name="Sha256">The blob holding its bytes.</param>
/// <param name="ContentType">The type the origin server gave it.</param>
/// <param name="FileName">The file name the origin server gave it, if any.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Fetched">When it was fetched.</param>
/// <param name="LastAccess">When it was last served (to the minute: see <see cref="IMatrixRemoteMediaIndex.TouchAsync"/>).</param>
public sealed record MatrixRemoteMedia(
    string ServerName,
    string MediaId,
    string Sha256,
    string ContentType,
    string? FileName,
    long Size,
    DateTimeOffset Fetched,
    DateTimeOffset LastAccess);
