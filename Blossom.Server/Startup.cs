using Blossom.Core;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Storage.FileSystem;
using Blossom.Core.Data;
using Blossom.Core.Data.Postgres;
using Blossom.Core.Data.Sqlite;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Media;
using Blossom.Core.Mirror;
using Blossom.Core.Moderation;
using Blossom.Core.Previews;
using Blossom.Core.Storage.S3;
using Blossom.Server.Media;
using Blossom.Server.Auth;
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
    public static IServiceCollection AddBlossom(this IServiceCollection services)
    {
        services.AddBlossomOptions();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(CreateBlobStore);
        services.AddSingleton<BlobRedirects>();
        services.AddSingleton<HotBlobs>();
        services.AddBlossomDatabase();
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
        services.AddBlossomMediaQueue();
        services.AddKeyedSingleton(MediaTaskService.OriginalsFolder, (sp, _) => CreateOriginalsStore(sp));
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

    /// <summary>The stores on the database <c>Database:Provider</c> names; only the one chosen is ever opened.</summary>
    private static void AddBlossomDatabase(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        services.AddSingleton(sp => new PostgresDatabase(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        services.AddSingleton<ISqlDatabase>(sp => UsesPostgres(sp) ? sp.GetRequiredService<PostgresDatabase>() : sp.GetRequiredService<SqliteDatabase>());
        // 100k records of ~200 bytes: a few tens of MiB at most, for a GET without a database round trip. Only
        // with SQLite: with PostgreSQL another node may delete a blob, and this node's cache would not hear of it.
        services.AddSingleton<IBlobIndex>(sp => UsesPostgres(sp)
            ? new PostgresBlobIndex(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>())
            : new CachingBlobIndex(new SqliteBlobIndex(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()), capacity: 100_000));
        services.AddSingleton<IMediaTaskStore>(sp => UsesPostgres(sp)
            ? new SqlMediaTaskStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>())
            : new SqlMediaTaskStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IModerationStore>(sp => UsesPostgres(sp)
            ? new PostgresModerationStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>())
            : new SqliteModerationStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        // What must hold across nodes: with PostgreSQL, its advisory locks; with SQLite (one process), memory.
        services.AddSingleton<IBlobLocks>(sp => UsesPostgres(sp)
            ? new PostgresBlobLocks(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)
            : new StripedBlobLocks());
        services.AddSingleton<IQuotaReservations>(sp =>
        {
            var quotaBytes = sp.GetRequiredService<IOptions<UploadOptions>>().Value.QuotaBytesPerPubkey;
            return UsesPostgres(sp)
                ? new PostgresQuotaReservations(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString, sp.GetRequiredService<IBlobIndex>(), quotaBytes)
                : new QuotaReservations(sp.GetRequiredService<IBlobIndex>(), quotaBytes);
        });
    }

    /// <summary>
    /// Multi-part uploads (BUD-14): their state in the database every node shares, their chunks beside the
    /// blobs (the store's temp folder, or the bucket), and the sweep of those that went idle.
    /// </summary>
    private static void AddBlossomChunkedUploads(this IServiceCollection services)
    {
        services.AddSingleton<IPartialUploadIndex>(sp => UsesPostgres(sp)
            ? new SqlPartialUploadIndex(sp.GetRequiredService<PostgresDatabase>())
            : new SqlPartialUploadIndex(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<IPartialUploadStore>(sp => sp.GetRequiredService<IBlobStore>() switch
        {
            FileSystemBlobStore files => new FileSystemPartialUploadStore(files, sp.GetRequiredService<BlossomMetrics>()),
            S3BlobStore bucket => new S3PartialUploadStore(bucket),
            var other => throw new NotSupportedException($"Multi-part uploads have no chunk store for {other.GetType().Name}."),
        });
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
        services.AddSingleton<IPreviewIndex>(sp => UsesPostgres(sp)
            ? new SqlPreviewIndex(sp.GetRequiredService<PostgresDatabase>())
            : new SqlPreviewIndex(sp.GetRequiredService<SqliteDatabase>()));
        services.AddKeyedSingleton<IBlobLocks>(PreviewLocksKey, (sp, _) => UsesPostgres(sp)
            ? new PostgresBlobLocks(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)
            : new StripedBlobLocks());
        services.AddSingleton(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<PreviewOptions>>().Value;
            return new ThumbnailEngine(previews.ToLimits(sp.GetRequiredService<IOptions<MediaImageOptions>>().Value), previews.Quality);
        });
        services.AddSingleton(sp =>
        {
            var previews = sp.GetRequiredService<IOptions<PreviewOptions>>().Value;
            return new PreviewService(sp.GetRequiredService<BlobService>(), sp.GetRequiredService<IPreviewIndex>(), sp.GetRequiredService<ThumbnailEngine>(),
                sp.GetRequiredKeyedService<IBlobLocks>(PreviewLocksKey),
                new PreviewSettings(previews.ToSizes(), previews.Concurrency, sp.GetRequiredService<IOptions<MediaOptions>>().Value.WorkPath),
                sp.GetRequiredService<ILogger<PreviewService>>());
        });
    }

    private const string PreviewLocksKey = "previews";

    /// <summary>
    /// The Matrix content repository's media ids and rules. Registered whatever <c>Matrix:Enabled</c> says
    /// (nothing resolves them while it is off); the expiry sweep does nothing then.
    /// </summary>
    private static void AddBlossomMatrix(this IServiceCollection services)
    {
        services.AddSingleton<IMatrixMediaIndex>(sp => UsesPostgres(sp)
            ? new SqlMatrixMediaIndex(sp.GetRequiredService<PostgresDatabase>())
            : new SqlMatrixMediaIndex(sp.GetRequiredService<SqliteDatabase>()));
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

    private static bool UsesPostgres(IServiceProvider services) =>
        services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseOptions.Postgres;

    /// <summary>The store <c>Storage:Kind</c> names; S3 keeps its temp files where the file system store would.</summary>
    private static IBlobStore CreateBlobStore(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        return storage.Kind == "S3"
            ? new S3BlobStore(storage.S3.ToStoreSettings(), Path.Combine(storage.Path, ".tmp"), services.GetRequiredService<ILogger<S3BlobStore>>())
            : new FileSystemBlobStore(storage.Path);
    }

    /// <summary>
    /// The media originals live beside the blobs, in the storage every node shares, so whichever
    /// node takes a job finds its original: <c>Storage:Path/originals</c>, or the bucket under
    /// <c>&lt;Prefix&gt;originals/</c>, where the blob store's listing (one level, hashes only) never sees them.
    /// </summary>
    private static IBlobStore CreateOriginalsStore(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var local = Path.Combine(storage.Path, MediaTaskService.OriginalsFolder);
        return storage.Kind == "S3"
            ? new S3BlobStore(storage.S3.ToStoreSettings() with { Prefix = $"{storage.S3.Prefix}{MediaTaskService.OriginalsFolder}/" },
                Path.Combine(local, ".tmp"), services.GetRequiredService<ILogger<S3BlobStore>>())
            : new FileSystemBlobStore(local);
    }

    /// <summary>
    /// The media job queue and change notifier: in this process with SQLite; shared by every node
    /// through the database with PostgreSQL, so any node's worker runs any node's task.
    /// </summary>
    private static void AddBlossomMediaQueue(this IServiceCollection services)
    {
        services.AddSingleton(sp => new PostgresListener(
            sp.GetRequiredService<PostgresDatabase>(), [PostgresMediaJobQueue.Channel, PostgresMediaChangeNotifier.Channel],
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresListener>>()));
        services.AddSingleton<IMediaJobQueue>(sp =>
        {
            var media = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            return UsesPostgres(sp)
                ? new PostgresMediaJobQueue(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<PostgresListener>(), media.QueueCapacity,
                    TimeSpan.FromSeconds(media.LeaseSeconds), $"{Environment.MachineName}:{Environment.ProcessId}", sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<PostgresMediaJobQueue>>())
                : new InProcessMediaJobQueue(media.QueueCapacity);
        });
        services.AddSingleton<IMediaChangeNotifier>(sp => UsesPostgres(sp)
            ? new PostgresMediaChangeNotifier(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<PostgresListener>())
            : new InProcessMediaChangeNotifier());
    }

    /// <summary>
    /// Checks native dependencies, applies migrations and sweeps interrupted uploads before the
    /// first request, so a server that listens is a server that works.
    /// </summary>
    public static async Task InitializeBlossomAsync(this WebApplication app)
    {
        SchnorrSignature.EnsureAvailable();
        app.Lifetime.ApplicationStarted.Register(app.Services.GetRequiredService<ServerNames>().OnServerStarted);
        await app.Services.GetRequiredService<ISqlDatabase>().MigrateAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        await app.Services.GetRequiredService<IBlobStore>().InitializeAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        await app.Services.GetRequiredService<IPartialUploadStore>().InitializeAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        await app.Services.GetRequiredService<IPartialUploadIndex>().InitializeAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
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
            if (queue is PostgresMediaJobQueue)
            {
                // The notifier and the queue hear other nodes through it; resolved first so both subscribe before it listens.
                app.Services.GetRequiredService<IMediaChangeNotifier>();
                await app.Services.GetRequiredService<PostgresListener>().StartAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
            }
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
