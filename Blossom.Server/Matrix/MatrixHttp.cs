using Blossom.Core.Previews;
using Microsoft.Extensions.Options;

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

internal static class MatrixHttp
{
    /// <summary>What the Matrix routes need beside the media service: token checks, thumbnail sizes, their JSON.</summary>
    public static IServiceCollection AddBlossomMatrixHttp(this IServiceCollection services)
    {
        services.AddMatrixAuthorization();
        services.AddSingleton(sp => new MatrixThumbnailSizes(
            sp.GetRequiredService<IOptions<MatrixOptions>>().Value.ToThumbnailSizes(sp.GetRequiredService<IOptions<PreviewOptions>>().Value)));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(MatrixJsonContext.Default));
        return services;
    }
}
