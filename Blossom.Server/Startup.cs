using Blossom.Core;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Media;
using Blossom.Core.Mirror;
using Blossom.Core.Moderation;
using Blossom.Core.Previews;
using Blossom.Server.Media;
using Blossom.Server.Auth;
using Blossom.Server.Backends;
using Blossom.Server.Blobs;
using Blossom.Server.Health;
using Blossom.Server.Http;
using Blossom.Server.Matrix;
using Blossom.Server.Options;
using Blossom.Server.Previews;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>The services and start-up steps behind <c>Program.cs</c>.</summary>
internal static class Startup
{
    public static IServiceCollection AddBlossom(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBlossomOptions();
        services.AddSingleton(TimeProvider.System);
        services.AddBlossomBackends(configuration);
        services.AddSingleton<BlobRedirects>();
        services.AddSingleton<HotBlobs>();
        services.AddSingleton<IBlobInspector>(sp => new BlobInspector(
            probeVideo: sp.GetRequiredService<IOptions<MediaOptions>>().Value.Enabled,
            maxPixels: sp.GetRequiredService<IOptions<MediaImageOptions>>().Value.MaxPixels));
        services.AddSingleton<BlobService>();
        services.AddHostedService<OrphanSweepService>();
        services.AddSingleton<BlobIngest>();
        services.AddBlossomChunkedUploads();
        services.AddSingleton(sp => new UploaderPolicy(sp.GetRequiredService<IModerationStore>(), sp.GetRequiredService<IOptions<UploadOptions>>().Value.AllowedPubkeys));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MediaImageOptions>>().Value.ToRecipe(sp.GetRequiredService<IOptions<MediaVideoOptions>>().Value));
        services.AddSingleton<IMediaOptimizer, MediaOptimizer>();
        services.AddSingleton(sp =>
        {
            var media = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            return new MediaTaskSettings(media.MaxRunningTasksPerPubkey, media.WorkPath, sp.GetRequiredService<MediaRecipe>());
        });
        services.AddSingleton(sp => new MediaTaskService(
            sp.GetRequiredService<IMediaTaskStore>(), sp.GetRequiredService<IMediaJobQueue>(), sp.GetRequiredService<IMediaChangeNotifier>(),
            sp.GetRequiredKeyedService<IBlobStore>(MediaTaskService.OriginalsFolder),
            sp.GetRequiredService<BlobService>(), sp.GetRequiredService<IMediaOptimizer>(), sp.GetRequiredService<MediaTaskSettings>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PreviewOptions>>().Value.Enabled ? sp.GetRequiredService<PreviewService>() : null));
        services.AddHostedService<MediaWorkerService>();
        services.AddBlossomPreviews();
        services.AddBlossomMatrix();
        services.AddSingleton<PublicBaseUrl>();
        services.AddSingleton<EagerPreviews>();
        services.AddHostedService<EagerPreviewService>();
        services.AddSingleton<BlobDescriptions>();
        services.AddSingleton<ServerNames>();
        services.AddRouting(o =>
        {
            o.SetParameterPolicy<BlobRoute>(BlobRoute.ConstraintName);
            o.SetParameterPolicy<BlobAddressRoute>(BlobAddressRoute.ConstraintName);
        });
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BlossomJsonContext.Default));
        services.AddNostrAuthorization();
        services.AddBlossomMatrixHttp();
        services.AddBlossomRateLimits();
        services.AddSingleton(sp =>
        {
            var mirror = sp.GetRequiredService<IOptions<MirrorOptions>>().Value;
            return new MirrorClient(new OriginGuard(mirror.AllowPrivateNetworks, mirror.AllowedPrivateHosts));
        });
        services.AddSingleton<StorageSpace>();
        services.AddHealthChecks()
            .AddCheck<BlobIndexHealthCheck>("database")
            .AddCheck<BlobStoreHealthCheck>("storage")
            .AddCheck<FfmpegHealthCheck>("ffmpeg", tags: [HealthEndpoints.ReadinessTag]);
        services.AddBlossomForwardedHeaders();
        services.AddOpenApi();
        services.AddBlossomMetrics();
        return services;
    }

    /// <summary>
    /// Multi-part uploads (BUD-14) and the sweep of those that went idle. Their state (the database
    /// index) and their chunks (beside the blobs) come with the backend modules.
    /// </summary>
    private static void AddBlossomChunkedUploads(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ChunkedUploadSettings(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<UploadOptions>>().Value.PartialTimeoutSeconds)));
        services.AddSingleton<ChunkedUploads>();
        services.AddHostedService<PartialUploadSweepService>();
    }

    /// <summary>
    /// The thumbnail engine and preview service. The (source, spec) sections are locks of their own,
    /// apart from the blob locks: a preview is committed, taking its blob's section, inside its pair's.
    /// </summary>
    private static void AddBlossomPreviews(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<PreviewOptions>>().Value;
            return new ThumbnailEngine(previews.ToLimits(sp.GetRequiredService<IOptions<MediaImageOptions>>().Value), previews.Quality);
        });
        services.AddSingleton(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<PreviewOptions>>().Value;
            return new PreviewService(sp.GetRequiredService<BlobService>(), sp.GetRequiredService<IPreviewIndex>(), sp.GetRequiredService<ThumbnailEngine>(),
                sp.GetRequiredKeyedService<IBlobLocks>(BlossomBackends.PreviewLocksKey),
                new PreviewSettings(previews.ToSizes(), previews.Concurrency, sp.GetRequiredService<IOptions<MediaOptions>>().Value.WorkPath),
                sp.GetRequiredService<ILogger<PreviewService>>());
        });
    }

    /// <summary>
    /// The Matrix content repository's media ids and rules. Registered whatever <c>Matrix:Enabled</c> says
    /// (nothing resolves them while it is off); the expiry sweep does nothing then.
    /// </summary>
    private static void AddBlossomMatrix(this IServiceCollection services)
    {
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
    }

    /// <summary>
    /// Checks native dependencies and readies the media work folder before the first request, so a
    /// server that listens is a server that works. The database and stores ready themselves as the
    /// host starts, before it listens (<see cref="BackendStartup"/>).
    /// </summary>
    public static async Task InitializeBlossomAsync(this WebApplication app)
    {
        SchnorrSignature.EnsureAvailable();
        app.Lifetime.ApplicationStarted.Register(app.Services.GetRequiredService<ServerNames>().OnServerStarted);
        var media = app.Services.GetRequiredService<IOptions<MediaOptions>>().Value;
        if (media.Enabled)
        {
            if (await FfmpegProcess.CheckAvailableAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false) is { } problem)
                throw new InvalidOperationException($"Media:Enabled needs ffmpeg: {problem}. Install it or set Blossom:Media:Enabled=false.");
            try
            {
                ImageOptimizer.Initialize(media.Workers);
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
            {
                throw new InvalidOperationException("Media:Enabled needs libvips, which did not load (NetVips.Native). Set Blossom:Media:Enabled=false to run without it.", e);
            }
            var queue = app.Services.GetRequiredService<IMediaJobQueue>();
            await app.Services.GetRequiredService<MediaTaskService>().InitializeAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
            app.Services.GetRequiredService<BlossomMetrics>().ObserveQueueLength(() => queue.LastCountedWaiting);
        }
        if (app.Services.GetRequiredService<IOptions<PreviewOptions>>().Value.Enabled)
            await CheckPreviewToolsAsync(media, app.Lifetime.ApplicationStopping).ConfigureAwait(false);
    }

    /// <summary>
    /// Previews need libvips, and ffmpeg for video frames, whether or not media optimization is on;
    /// with it on, both were checked and set up above.
    /// </summary>
    private static async Task CheckPreviewToolsAsync(MediaOptions media, CancellationToken cancellationToken)
    {
        if (media.Enabled)
            return;
        if (await FfmpegProcess.CheckAvailableAsync(cancellationToken).ConfigureAwait(false) is { } problem)
            throw new InvalidOperationException($"Previews:Enabled needs ffmpeg for video previews: {problem}. Install it or set Blossom:Previews:Enabled=false.");
        try
        {
            ImageOptimizer.Initialize(media.Workers);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
        {
            throw new InvalidOperationException("Previews:Enabled needs libvips, which did not load (NetVips.Native). Set Blossom:Previews:Enabled=false to run without it.", e);
        }
    }
}
