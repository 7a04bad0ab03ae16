using Blossom.Core.Matrix;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// The Matrix content repository on the same blob store: media ids, MSC2246 async uploads, thumbnails and URL
/// previews, with the homeserver's token checks. Its services are registered whatever <c>Matrix:Enabled</c>
/// says (nothing resolves them while it is off; the expiry sweep does nothing then); its routes only when on.
/// </summary>
internal static class MatrixModule
{
    public static WebApplicationBuilder AddBlossomMatrix(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<MatrixOptions, MatrixOptionsValidator>(MatrixOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MatrixOptions>>().Value.ToMediaSettings(sp.GetRequiredService<IOptions<UploadOptions>>().Value));
        services.AddSingleton<MatrixMediaService>();
        services.AddHostedService<MatrixExpirySweepService>();
        // URL previews fetch through the mirror's client: one guard, one Mirror:AllowPrivateNetworks/AllowedPrivateHosts policy for every outbound fetch.
        services.AddSingleton(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<MatrixOptions>>().Value.PreviewUrl;
            return new UrlPreviewSettings(previews.MaxBytes, TimeSpan.FromSeconds(previews.TimeoutSeconds), TimeSpan.FromSeconds(previews.CacheSeconds),
                previews.CacheBytes, previews.MaxConcurrent);
        });
        services.AddSingleton<UrlPreviewService>();
        // What the routes need beside the media service: token checks, thumbnail sizes, their JSON.
        services.AddMatrixAuthorization();
        services.AddMatrixFederation();
        services.AddSingleton(sp => new MatrixThumbnailSizes(
            sp.GetRequiredService<IOptions<MatrixOptions>>().Value.ToThumbnailSizes(sp.GetRequiredService<IOptions<PreviewOptions>>().Value)));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(MatrixJsonContext.Default));
        return builder;
    }

    public static WebApplication MapBlossomMatrix(this WebApplication app)
    {
        var matrix = app.SettingsOf<MatrixOptions>();
        if (!matrix.Enabled)
            return app;
        app.MapMatrixMediaEndpoints();
        app.MapMatrixFederationEndpoints();
        app.MapMatrixAdminEndpoints();
        if (matrix.PreviewUrl.Enabled)
            app.MapMatrixPreviewUrlEndpoints();
        return app;
    }
}
