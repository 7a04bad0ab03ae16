using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Media;
using Blossom.Core.Previews;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>Media optimization (BUD-05, task-based): <c>/media</c>, its tasks, the job queue's workers and the tools they run.</summary>
internal static class MediaModule
{
    public static WebApplicationBuilder AddBlossomMedia(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<MediaOptions, MediaOptionsValidator>(MediaOptions.Section);
        services.AddSingleton<IValidateOptions<MediaOptions>, MediaWorkersValidator>();
        services.AddSettings<MediaImageOptions, MediaImageOptionsValidator>(MediaImageOptions.Section);
        services.AddSettings<MediaVideoOptions, MediaVideoOptionsValidator>(MediaVideoOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MediaImageOptions>>().Value.ToRecipe(sp.GetRequiredService<IOptions<MediaVideoOptions>>().Value));
        services.AddSingleton<IMediaOptimizer, MediaOptimizer>();
        services.AddSingleton(sp =>
        {
            var media = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            return new MediaTaskSettings(media.MaxRunningTasksPerPubkey, media.WorkPath, sp.GetRequiredService<MediaRecipe>());
        });
        services.AddSingleton(sp => new MediaLedger(
            sp.GetRequiredService<IMediaTaskStore>(), sp.GetRequiredService<IMediaJobQueue>(), sp.GetRequiredService<IChangeNotifier>(),
            sp.GetRequiredKeyedService<IBlobStore>(MediaLedger.OriginalsFolder)));
        services.AddSingleton<MediaTasks>();
        services.AddSingleton(sp => new MediaJobRunner(
            sp.GetRequiredService<MediaLedger>(), sp.GetRequiredService<BlobService>(), sp.GetRequiredService<IMediaOptimizer>(),
            sp.GetRequiredService<MediaTaskSettings>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PreviewOptions>>().Value.Enabled ? sp.GetRequiredService<PreviewService>() : null));
        services.AddHostedService<MediaStartup>();
        services.AddHostedService<MediaWorkerService>();
        return builder;
    }

    public static WebApplication MapBlossomMedia(this WebApplication app)
    {
        if (app.SettingsOf<MediaOptions>().Enabled)
            app.MapMediaEndpoints(app.SettingsOf<UploadOptions>());
        return app;
    }
}
