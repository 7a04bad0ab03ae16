using Blossom.Core.Previews;

namespace Blossom.Server;

/// <summary>
/// The boxes Matrix thumbnails are snapped to: <c>Matrix:ThumbnailSizes</c>, or <c>Previews:Sizes</c>
/// when none are set. The preview engine makes only its own sizes, so a Matrix box that is not one
/// of them is made in the smallest preview box that holds it.
/// </summary>
internal sealed class MatrixThumbnailSizes(PreviewSizes sizes)
{
    public PreviewSizes Sizes { get; } = sizes;
}
