using System.Text.Json.Nodes;

namespace Blossom.Core.Matrix;

/// <summary>A page's preview as <c>GET preview_url</c> answers it: its OpenGraph text and, when it had one, its image stored here.</summary>
/// <param name="Tags">The page's <c>og:*</c> values (see <see cref="OpenGraphPage.Tags"/>).</param>
/// <param name="Image">The page's image as this server's media, or null when it named none or it could not be stored.</param>
public sealed record UrlPreview(IReadOnlyDictionary<string, string> Tags, UrlPreviewImage? Image)
{
    public static UrlPreview Empty { get; } = new(new Dictionary<string, string>(), null);

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
}

public sealed record UrlPreviewRefusal(UrlPreviewRefusalKind Kind, string Reason);

/// <summary>A preview, or why there is none (<see cref="Preview"/> is then null).</summary>
public sealed record UrlPreviewResult(UrlPreview? Preview, UrlPreviewRefusal? Refusal)
{
    public static UrlPreviewResult Ok(UrlPreview preview) => new(preview, null);

    public static UrlPreviewResult Refused(UrlPreviewRefusalKind kind, string reason) => new(null, new(kind, reason));
}

/// <summary>The <c>Matrix:PreviewUrl</c> limits.</summary>
/// <param name="MaxPageBytes">How much of a page is read and parsed; the rest is not downloaded (OpenGraph tags live in the head).</param>
/// <param name="Timeout">The longest one preview may take, the page and its image together.</param>
/// <param name="CacheDuration">How long a preview is reused for the same URL; zero turns the cache off.</param>
public sealed record UrlPreviewSettings(long MaxPageBytes, TimeSpan Timeout, TimeSpan CacheDuration);
