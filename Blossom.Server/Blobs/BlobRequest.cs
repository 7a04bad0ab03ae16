using System.Globalization;
using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>A hash a client sent in a header: absent, malformed, or a valid lowercase hash.</summary>
internal readonly record struct HeaderHash(bool Present, bool Valid, string Value);

/// <summary>Headers of upload requests (BUD-02, BUD-05, BUD-06).</summary>
internal static class BlobRequest
{
    public const string Sha256HeaderName = "X-SHA-256";
    private const string ContentLengthHeader = "X-Content-Length";
    private const string ContentTypeHeader = "X-Content-Type";

    public static HeaderHash Sha256Header(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var raw = request.Headers[Sha256HeaderName].ToString();
        if (raw.Length == 0)
            return new HeaderHash(false, false, "");
        var value = raw.Trim().ToLowerInvariant();
        return new HeaderHash(true, BlobHash.IsValid(value), value);
    }

    /// <summary>The blob a preflight announces in <c>X-SHA-256</c>, <c>X-Content-Type</c> and <c>X-Content-Length</c> (BUD-06, BUD-05).</summary>
    internal static ((string Sha256, string Type, long Length)? Announced, BlossomError? Error) ReadAnnouncement(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sha256 = BlobRequest.Sha256Header(request);
        if (!sha256.Present)
            return (null, BlossomError.BadRequest("X-SHA-256 header is required"));
        if (!sha256.Valid)
            return (null, BlossomError.BadRequest("X-SHA-256 must be a 64-character hex sha256"));

        var lengthHeader = request.Headers[ContentLengthHeader].ToString();
        if (lengthHeader.Length == 0)
            return (null, BlossomError.LengthRequired("X-Content-Length header is required"));
        if (!long.TryParse(lengthHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            return (null, BlossomError.BadRequest("X-Content-Length must be a non-negative integer"));

        return ((sha256.Value, MediaTypes.Normalize(request.Headers[ContentTypeHeader].ToString()), length), null);
    }
}
