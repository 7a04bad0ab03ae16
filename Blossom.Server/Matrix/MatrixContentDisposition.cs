using System.Text;
using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// The <c>Content-Disposition</c> of a Matrix download. Inline only for types a browser renders
/// without running anything (images but SVG, video, audio, plain text); anything else is an
/// attachment, so an uploaded page or script is downloaded, not opened on this origin. The file
/// name (RFC 6266) keeps only its last path segment and no control characters; <c>filename</c> is
/// its ASCII fallback (quotes, backslashes and non-ASCII as <c>_</c>), <c>filename*</c> the exact
/// name in UTF-8.
/// </summary>
internal static class MatrixContentDisposition
{
    public static string For(string contentType, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        var disposition = RendersSafely(contentType) ? "inline" : "attachment";
        if (Clean(fileName) is not { } name)
            return disposition;
        var ascii = new StringBuilder(name.Length);
        foreach (var c in name)
            ascii.Append(c is >= ' ' and < (char)127 and not '"' and not '\\' ? c : '_');
        // EscapeDataString leaves only RFC 3986's unreserved characters, all of them RFC 8187 attr-chars.
        return $"{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(name)}";
    }

    /// <summary>Whether a browser shows this type without running code in it.</summary>
    public static bool RendersSafely(string contentType)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        var type = MediaTypes.Normalize(contentType);
        return type == "text/plain"
            || type.StartsWith("video/", StringComparison.Ordinal)
            || type.StartsWith("audio/", StringComparison.Ordinal)
            || (type.StartsWith("image/", StringComparison.Ordinal) && !MediaTypes.IsActiveContent(type));
    }

    /// <summary>The name's last path segment without control characters; null when nothing usable is left.</summary>
    private static string? Clean(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
            return null;
        var last = fileName[(fileName.LastIndexOfAny(['/', '\\']) + 1)..];
        var name = new string([.. last.Where(c => !char.IsControl(c))]).Trim();
        return name is "" or "." or ".." ? null : name;
    }
}
