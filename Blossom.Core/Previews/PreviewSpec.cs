namespace Blossom.Core.Previews;

/// <summary>How a preview fits its box.</summary>
public enum PreviewMethod
{
    /// <summary>Fit inside the box, keeping the aspect ratio.</summary>
    Scale,
    /// <summary>Fill the box, cutting off what sticks out around the centre.</summary>
    Crop,
}

/// <summary>The preview's encoding.</summary>
public enum PreviewFormat
{
    Webp,
    /// <summary>No transparency: a transparent source is flattened on white.</summary>
    Jpeg,
    Png,
}

/// <summary>One preview of a source: always a box from the allowed sizes (see <see cref="PreviewSizes.Snap"/>).</summary>
/// <param name="Width">The box's width in pixels.</param>
/// <param name="Height">The box's height in pixels.</param>
/// <param name="Method">How the picture fits the box.</param>
/// <param name="Format">The encoding.</param>
/// <param name="Animated">Whether an animated source keeps its animation (then the preview is WebP); otherwise its first frame.</param>
public sealed record PreviewSpec(int Width, int Height, PreviewMethod Method, PreviewFormat Format, bool Animated);
