using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>A hash a client sent in a header: absent, malformed, or a valid lowercase hash.</summary>
internal readonly record struct HeaderHash(bool Present, bool Valid, string Value);

/// <summary>Headers of upload requests (BUD-02, BUD-06).</summary>
internal static class BlobRequest
{
    public const string Sha256HeaderName = "X-SHA-256";

    public static HeaderHash Sha256Header(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var raw = request.Headers[Sha256HeaderName].ToString();
        if (raw.Length == 0)
            return new HeaderHash(false, false, "");
        var value = raw.Trim().ToLowerInvariant();
        return new HeaderHash(true, BlobHash.IsValid(value), value);
    }
}
