using System.Text.Json.Nodes;

namespace Blossom.Core.Matrix;

/// <summary>A page's preview as <c>GET preview_url</c> answers it: its OpenGraph text and, when it had one, its image stored here.</summary>
/// <param name="Tags">The page's <c>og:*</c> values (see <see cref="OpenGraphPage.Tags"/>).</param>
/// <param name="Image">The page's image as this server's media, or null when it named none or it could not be stored.</param>
public sealed record UrlPreview(IReadOnlyDictionary<string, string> Tags, UrlPreviewImage? Image)
{
    public static UrlPreview Empty { get; } = new(new Dictionary<string, string>(), null);

    /// <summary>
    /// About what this preview holds in memory, in bytes: its strings (two bytes a character) and the
    /// objects around them. What the cache charges it, so the cache is bounded by bytes, not entries.
    /// </summary>
    internal long EstimatedBytes
    {
        get
        {
            const int ObjectBytes = 64;
            long bytes = 4 * ObjectBytes;
            foreach (var (name, value) in Tags)
                bytes += ObjectBytes + 2L * (name.Length + value.Length);
            if (Image is { } image)
                bytes += ObjectBytes + 2L * (image.ContentUri.Length + image.Type.Length);
            return bytes;
        }
    }

    /// <summary>
    /// The Matrix form: the tags as strings, the image as its <c>mxc://</c> URI with its type, size in
    /// <c>matrix:image:size</c> and dimensions as numbers. The page's other <c>og:image:*</c> tags describe
    /// an image the client never sees, so they are left out, but for <c>og:image:alt</c> beside a stored image.
    /// </summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (name, value) in Tags)
        {
            if (!name.StartsWith("og:image:", StringComparison.Ordinal) || (Image is not null && name == "og:image:alt"))
                json[name] = value;
        }
        if (Image is { } image)
        {
            json["og:image"] = image.ContentUri;
            json["og:image:type"] = image.Type;
            json["matrix:image:size"] = image.Size;
            if (image.Width is { } width)
                json["og:image:width"] = width;
            if (image.Height is { } height)
                json["og:image:height"] = height;
        }
        return json;
    }
}

/// <summary>A previewed page's image, stored as a media id of the user who asked for the preview.</summary>
/// <param name="ContentUri">Its <c>mxc://</c> URI.</param>
/// <param name="Type">The type the image was served with.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Width">Its width in pixels, measured when stored, else as the page said.</param>
/// <param name="Height">Its height in pixels, measured when stored, else as the page said.</param>
public sealed record UrlPreviewImage(string ContentUri, string Type, long Size, long? Width, long? Height);

/// <summary>Why a page has no preview, in terms the HTTP surface maps to its errcodes and statuses.</summary>
public enum UrlPreviewRefusalKind
{
    /// <summary>The page, or a redirect on the way, is on an address this server may not reach (M_FORBIDDEN, 403).</summary>
    Forbidden,

    /// <summary>The page could not be fetched: an error status, a broken connection, too many redirects, or no answer in time (M_UNKNOWN, 502).</summary>
    OriginFailed,

    /// <summary>As many previews as allowed are being fetched and parsed; the client may try again later (M_LIMIT_EXCEEDED, 429, with a retry time).</summary>
    Busy,
}

/// <param name="Kind">Why, in the terms the surface maps.</param>
/// <param name="Reason">What the client is told.</param>
/// <param name="RetryAfter">For <see cref="UrlPreviewRefusalKind.Busy"/>: when to try again.</param>
public sealed record UrlPreviewRefusal(UrlPreviewRefusalKind Kind, string Reason, TimeSpan? RetryAfter = null);

/// <summary>Makes the <see cref="Outcome{T, TRefusal}"/> of a URL preview: the preview, or why there is none.</summary>
public static class UrlPreviewResult
{
    public static Outcome<UrlPreview, UrlPreviewRefusal> Ok(UrlPreview preview) => new(preview, null);

    public static Outcome<UrlPreview, UrlPreviewRefusal> Refused(UrlPreviewRefusalKind kind, string reason, TimeSpan? retryAfter = null) => new(null!, new(kind, reason, retryAfter));
}

/// <summary>The <c>Matrix:PreviewUrl</c> limits.</summary>
/// <param name="MaxPageBytes">How much of a page is read and parsed; the rest is not downloaded (OpenGraph tags live in the head).</param>
/// <param name="Timeout">The longest one preview may take, the page and its image together.</param>
/// <param name="CacheDuration">How long a preview is reused for the same URL; zero turns the cache off.</param>
/// <param name="CacheBytes">The memory the cache may hold, each preview charged its <see cref="UrlPreview.EstimatedBytes"/>.</param>
/// <param name="MaxConcurrent">Previews fetched and parsed at once; one more is refused as <see cref="UrlPreviewRefusalKind.Busy"/>.</param>
public sealed record UrlPreviewSettings(long MaxPageBytes, TimeSpan Timeout, TimeSpan CacheDuration, long CacheBytes, int MaxConcurrent);
