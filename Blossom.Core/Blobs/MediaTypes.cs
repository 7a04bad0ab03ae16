namespace Blossom.Core.Blobs;

/// <summary>MIME type rules shared by upload, its preflight and the index.</summary>
public static class MediaTypes
{
    public const string OctetStream = "application/octet-stream";

    private static readonly HashSet<string> ActiveTypes = new(StringComparer.Ordinal)
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl",
        "text/javascript", "application/javascript", "application/x-javascript", "text/ecmascript", "application/ecmascript", "text/jscript",
    };

    /// <summary>The bare lowercase <c>type/subtype</c> of a Content-Type value; octet-stream when absent or malformed.</summary>
    public static string Normalize(string? contentType)
    {
        var bare = (contentType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();
        var slash = bare.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < bare.Length - 1 && bare.IndexOf('/', slash + 1) < 0 && !bare.Any(char.IsWhiteSpace) && bare.All(char.IsAscii)
            ? bare
            : OctetStream;
    }

    /// <summary>
    /// Whether a browser would run <paramref name="type"/> as a document or script of the origin that
    /// serves it: HTML, XHTML, SVG and any other XML (which can carry XHTML or XSLT), and JavaScript.
    /// Such blobs are served as downloads, never rendered in the server's origin.
    /// </summary>
    public static bool IsActiveContent(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return ActiveTypes.Contains(type) || type.EndsWith("+xml", StringComparison.Ordinal);
    }

    public static bool IsMultipart(string type) => type.StartsWith("multipart/", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="type"/> matches any of <paramref name="patterns"/> (<c>image/*</c>, <c>*/*</c>, exact); an empty list allows all.</summary>
    public static bool IsAllowed(string type, IReadOnlyCollection<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return patterns.Count == 0 || patterns.Any(p => Matches(type, p.Trim().ToLowerInvariant()));
    }

    private static bool Matches(string type, string pattern) =>
        pattern == "*" || pattern == "*/*" || pattern == type
        || (pattern.EndsWith("/*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal));
}
