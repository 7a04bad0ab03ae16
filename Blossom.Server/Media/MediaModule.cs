using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Ingest;
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
        services.AddSingleton(sp => Recipe(sp.GetRequiredService<IOptions<MediaImageOptions>>().Value, sp.GetRequiredService<IOptions<MediaVideoOptions>>().Value));
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
            sp.GetRequiredService<MediaLedger>(), sp.GetRequiredService<BlobService>(), sp.GetRequiredService<BlobBlocks>(), sp.GetRequiredService<IMediaOptimizer>(),
            sp.GetRequiredService<MediaTaskSettings>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PreviewOptions>>().Value.Enabled ? sp.GetRequiredService<PreviewService>() : null));
        services.AddHostedService<MediaStartup>();
        services.AddHostedService<MediaWorkerService>();
        return builder;
    }

    /// <summary>The media settings as the core's recipe.</summary>
    private static MediaRecipe Recipe(MediaImageOptions image, MediaVideoOptions video) => new(
        new ImageRecipe(image.MaxWidth, image.MaxHeight, image.Format.ToString().ToLowerInvariant(), image.Quality, image.MaxPixels, image.MaxDecodeBytes, image.MaxFrames),
        new VideoRecipe(video.MaxHeight, video.MaxFps, video.Crf, video.Preset.ToString().ToLowerInvariant(), video.MaxDurationSeconds, video.MaxInputDimension,
            video.AudioBitrateKbps, video.MaxTranscodeSeconds,
            video.Hls ? new HlsRecipe(video.HlsHeights.Length > 0 ? video.HlsHeights : MediaVideoOptions.DefaultHlsHeights, video.HlsSegmentSeconds) : null));

    public static WebApplication MapBlossomMedia(this WebApplication app)
    {
        if (app.SettingsOf<MediaOptions>().Enabled)
            app.MapMediaEndpoints(app.SettingsOf<UploadOptions>());
        return app;
    }
}
