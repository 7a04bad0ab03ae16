namespace Blossom.Core.Media;

/// <summary>The kinds of media the optimizer takes, by declared MIME type.</summary>
public static class MediaKinds
{
    public static MediaKind? Of(string mediaType)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        // SVG is a document, not pixels: rasterizing it would lose what it is.
        if (mediaType == "image/svg+xml")
            return null;
        if (mediaType.StartsWith("image/", StringComparison.Ordinal))
            return MediaKind.Image;
        if (mediaType.StartsWith("video/", StringComparison.Ordinal))
            return MediaKind.Video;
        if (mediaType.StartsWith("audio/", StringComparison.Ordinal))
            return MediaKind.Audio;
        return null;
    }
}

public enum MediaKind
{
    Image,
    Video,
    Audio,
}
