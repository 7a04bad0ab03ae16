using Blossom.Core.Previews;

namespace Blossom.Core.Media;

/// <summary>
/// The poster frame of an optimized video: its preview in the largest allowed box, scaled, WebP, a
/// still. Made by the media job before its task completes; descriptors name it in NIP-94 <c>image</c>.
/// </summary>
public static class VideoPoster
{
    public static PreviewSpec SpecFor(PreviewSizes sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return sizes.Snap(sizes.Largest.Width, sizes.Largest.Height, PreviewMethod.Scale, PreviewFormat.Webp, animated: false);
    }
}
