using AngleSharp;
using AngleSharp.Dom;

namespace Blossom.Core.Matrix;

/// <summary>
/// A web page's OpenGraph tags (<c>og:*</c>), with the page's <c>&lt;title&gt;</c> and meta description
/// standing in for a missing <c>og:title</c> and <c>og:description</c>, and the image's URL resolved
/// against the page's address.
/// </summary>
/// <param name="Tags">Each <c>og:*</c> property's first value, the image's address tags left out.</param>
/// <param name="Image">The page's <c>og:image</c> as an absolute http(s) URL; null when it names none.</param>
public sealed record OpenGraphPage(IReadOnlyDictionary<string, string> Tags, Uri? Image)
{
    /// <summary>Enough for any real page's tags, and a bound on what a hostile page makes the cache hold.</summary>
    internal const int MaxTags = 50;

    internal const int MaxValueLength = 2000;

    /// <summary>The tags that name the image's address: answered as one mxc:// URI instead.</summary>
    private static readonly string[] ImageAddressTags = ["og:image", "og:image:url", "og:image:secure_url"];

    /// <summary>
    /// Parses HTML the way a browser would, decoding it by the <c>Content-Type</c> charset, a byte order
    /// mark or a <c>&lt;meta charset&gt;</c>, in that order. Nothing the page links to is loaded and no
    /// script runs: the context has no loaders.
    /// </summary>
    /// <param name="html">The page's bytes (possibly cut off at a size limit: the head is what matters).</param>
    /// <param name="contentType">The page's <c>Content-Type</c> header, with its charset.</param>
    /// <param name="address">Where the page was fetched from, after redirects: relative URLs resolve against it (or its &lt;base&gt;).</param>
    /// <param name="cancellationToken">Ends the parse.</param>
    public static async Task<OpenGraphPage> ReadAsync(Stream html, string? contentType, Uri address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(address);
        using var context = BrowsingContext.New(Configuration.Default);
        using var document = await context.OpenAsync(response =>
        {
            response.Content(html, shouldDispose: false).Address(address);
            if (!string.IsNullOrEmpty(contentType))
                response.Header("Content-Type", contentType);
        }, cancellationToken).ConfigureAwait(false);
        return Read(document);
    }

    private static OpenGraphPage Read(IDocument document)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var meta in document.QuerySelectorAll("meta[content]"))
        {
            // property= is OpenGraph's; some pages put og: names in name= instead.
            var name = (meta.GetAttribute("property") ?? meta.GetAttribute("name"))?.Trim().ToLowerInvariant();
            if (name is null || !name.StartsWith("og:", StringComparison.Ordinal) || tags.ContainsKey(name) || tags.Count == MaxTags)
                continue;
            if (Clean(meta.GetAttribute("content")) is { } value)
                tags[name] = value;
        }
        if (!tags.ContainsKey("og:title") && Clean(document.Title) is { } title)
            tags["og:title"] = title;
        if (!tags.ContainsKey("og:description") && Clean(document.QuerySelector("meta[name='description' i]")?.GetAttribute("content")) is { } description)
            tags["og:description"] = description;

        Uri? image = null;
        foreach (var tag in ImageAddressTags)
        {
            if (image is null && tags.TryGetValue(tag, out var value) && Resolve(document.BaseUri, value) is { } resolved)
                image = resolved;
            tags.Remove(tag);
        }
        return new OpenGraphPage(tags, image);
    }

    /// <summary>An absolute http(s) URL for a possibly relative one; anything else (data:, javascript:) is no image.</summary>
    private static Uri? Resolve(string baseUri, string value) =>
        Uri.TryCreate(baseUri, UriKind.Absolute, out var page) && Uri.TryCreate(page, value, out var url)
            && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : null;

    /// <summary>Whitespace collapsed the way a browser shows it, cut to a length a preview card can use.</summary>
    private static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var collapsed = string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return collapsed.Length <= MaxValueLength ? collapsed : collapsed[..MaxValueLength];
    }
}
