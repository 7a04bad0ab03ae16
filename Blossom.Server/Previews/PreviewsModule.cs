using Blossom.Core.Blobs;
using Blossom.Core.Previews;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Previews of image and video blobs (the blob previews draft): the thumbnail engine, the preview service and
/// the eager previews made after uploads. The (source, spec) sections are locks of their own, apart from the
/// blob locks: a preview is committed, taking its blob's section, inside its pair's.
/// </summary>
internal static class PreviewsModule
{
    public static WebApplicationBuilder AddBlossomPreviews(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<PreviewOptions, PreviewOptionsValidator>(PreviewOptions.Section);
        services.AddSingleton(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<PreviewOptions>>().Value;
            return new ThumbnailEngine(previews.ToLimits(sp.GetRequiredService<IOptions<MediaImageOptions>>().Value), previews.Quality);
        });
        services.AddSingleton(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<PreviewOptions>>().Value;
            return new PreviewService(sp.GetRequiredService<BlobService>(), sp.GetRequiredService<IPreviewIndex>(), sp.GetRequiredService<ThumbnailEngine>(),
                sp.GetRequiredKeyedService<IBlobLocks>(BackendsModule.PreviewLocksKey),
                new PreviewSettings(previews.ToSizes(), previews.Concurrency, sp.GetRequiredService<IOptions<MediaOptions>>().Value.WorkPath),
                sp.GetRequiredService<ILogger<PreviewService>>());
        });
        services.AddSingleton<EagerPreviews>();
        // Lazy: the preview service commits and removes through the blob service these observers are given to.
        services.AddSingleton<IBlobLifecycleObserver>(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<PreviewOptions>>().Value;
            return new PreviewLifecycle(new Lazy<PreviewService>(sp.GetRequiredService<PreviewService>),
                previews.Enabled && previews.Eager ? sp.GetRequiredService<EagerPreviews>() : null);
        });
        services.AddHostedService<EagerPreviewService>();
        services.AddHostedService<PreviewStartup>();
        return builder;
    }

    public static WebApplication MapBlossomPreviews(this WebApplication app)
    {
        app.MapPreviewEndpoints();
        return app;
    }
}
