using Blossom.Core.Previews;

namespace Blossom.Server;

/// <summary>What previews the server offers: to which blobs, at which address, cached how long.</summary>
internal static class PreviewOffer
{
    /// <summary>What follows a blob's address to name its preview.</summary>
    public const string Suffix = "/preview";

    /// <summary>
    /// A day, and not immutable: the same URL may answer other bytes once the operator changes the
    /// sizes or the quality. The ETag (the preview's own hash) lets a client revalidate cheaply.
    /// </summary>
    public const string Caching = "public, max-age=86400";

    /// <summary>The preview URL of a blob, with the default preview's options.</summary>
    public static string UrlOf(string baseUrl, string sha256) => $"{baseUrl}/{sha256}{Suffix}";

    /// <summary>Whether a blob of this type and size is offered a preview (a link, tags, eager making).</summary>
    public static bool Offered(PreviewOptions options, string type, long? size)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Enabled && PreviewService.Supports(type) && (size ?? 0) <= options.MaxSourceBytes;
    }
}
