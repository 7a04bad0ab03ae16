using Blossom.Core.Previews;

namespace Blossom.Server;

/// <summary>A thumbnail request's checked parameters (client and federation routes alike): the desired box and how to fill it.</summary>
internal sealed record MatrixThumbnailRequest(int Width, int Height, PreviewMethod Method, bool Animated);
