using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

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

    /// <summary>
    /// The characters of all kept tags together, names and values: room for a long title and description
    /// and the rest, while 50 tags of <see cref="MaxValueLength"/> would be 100 000. Later tags that do not fit are left out.
    /// </summary>
    internal const int MaxTagsLength = 8000;

    /// <summary>
    /// Elements parsed before the parse stops and what was read is used: OpenGraph tags are in the head,
    /// and deeply nested markup costs the parser time that grows faster than the page.
    /// </summary>
    internal const int MaxElements = 5000;

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
    /// <remarks>The parse stops at <see cref="MaxElements"/> elements; the document read until then is used.</remarks>
    public static async Task<OpenGraphPage> ReadAsync(Stream html, string? contentType, Uri address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(address);
        var elements = 0;
        IDocument? cutOff = null;
        var parsing = new HtmlParserOptions
        {
            OnCreated = (element, _) =>
            {
                if (++elements <= MaxElements)
                    return;
                cutOff = element.Owner;
                throw new InvalidDataException($"More than {MaxElements} elements");
            },
        };
        using var context = BrowsingContext.New(Configuration.Default.WithOnly<IHtmlParser>(c => new HtmlParser(parsing, c)));
        try
        {
            using var document = await context.OpenAsync(response =>
            {
                response.Content(html, shouldDispose: false).Address(address);
                if (!string.IsNullOrEmpty(contentType))
                    response.Header("Content-Type", contentType);
            }, cancellationToken);
            return Read(document);
        }
        // Only this callback sets cutOff: the limit, not a fault of the page or the parser.
        catch (InvalidDataException) when (cutOff is not null)
        {
            using (cutOff)
                return Read(cutOff);
        }
    }

    private static OpenGraphPage Read(IDocument document)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var length = 0;
        void Keep(string name, string? value)
        {
            if (value is null || tags.Count == MaxTags || length + name.Length + value.Length > MaxTagsLength)
                return;
            tags[name] = value;
            length += name.Length + value.Length;
        }

        foreach (var meta in document.QuerySelectorAll("meta[content]"))
        {
            // property= is OpenGraph's; some pages put og: names in name= instead.
            var name = (meta.GetAttribute("property") ?? meta.GetAttribute("name"))?.Trim().ToLowerInvariant();
            if (name is null || !name.StartsWith("og:", StringComparison.Ordinal) || tags.ContainsKey(name))
                continue;
            Keep(name, Clean(meta.GetAttribute("content")));
        }
        if (!tags.ContainsKey("og:title"))
            Keep("og:title", Clean(document.Title));
        if (!tags.ContainsKey("og:description"))
            Keep("og:description", Clean(document.QuerySelector("meta[name='description' i]")?.GetAttribute("content")));

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
