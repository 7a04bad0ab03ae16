using Blossom.Core;
using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Data;
using Blossom.Core.Data.Postgres;
using Blossom.Core.Data.Sqlite;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Media;
using Blossom.Core.Moderation;
using Blossom.Core.Previews;
using Blossom.Core.Storage.FileSystem;
using Blossom.Core.Storage.S3;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>The database and the blob storage, and every store that lives in them.</summary>
internal static class BackendsModule
{
    public const string PreviewLocksKey = "previews";

    public static WebApplicationBuilder AddBlossomBackends(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        services.AddSettings<DatabaseOptions, DatabaseOptionsValidator>(DatabaseOptions.Section);
        services.AddSingleton(CreateBlobStore);
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        services.AddSingleton(sp => new PostgresDatabase(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        // 100k records of ~200 bytes: a few tens of MiB at most, for a GET without a database round trip. Only
        // with SQLite: with PostgreSQL another node may delete a blob, and this node's cache would not hear of it.
        services.AddSingleton<IBlobIndex>(sp => UsesPostgres(sp)
            ? new PostgresBlobIndex(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>())
            : new CachingBlobIndex(new SqliteBlobIndex(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()), capacity: 100_000));
        services.AddSingleton<IMediaTaskStore>(sp => UsesPostgres(sp)
            ? new PostgresMediaTaskStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>())
            : new SqliteMediaTaskStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
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
        services.AddSingleton<IPartialUploadIndex>(sp => UsesPostgres(sp)
            ? new PostgresPartialUploadIndex(sp.GetRequiredService<PostgresDatabase>())
            : new SqlitePartialUploadIndex(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton<IPartialUploadStore>(sp => sp.GetRequiredService<IBlobStore>() switch
        {
            FileSystemBlobStore files => new FileSystemPartialUploadStore(files, sp.GetRequiredService<BlossomMetrics>()),
            S3BlobStore bucket => new S3PartialUploadStore(bucket),
            var other => throw new NotSupportedException($"Multi-part uploads have no chunk store for {other.GetType().Name}."),
        });
        services.AddSingleton<IPreviewIndex>(sp => UsesPostgres(sp)
            ? new PostgresPreviewIndex(sp.GetRequiredService<PostgresDatabase>())
            : new SqlitePreviewIndex(sp.GetRequiredService<SqliteDatabase>()));
        services.AddKeyedSingleton<IBlobLocks>(PreviewLocksKey, (sp, _) => UsesPostgres(sp)
            ? new PostgresBlobLocks(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString)
            : new StripedBlobLocks());
        services.AddSingleton<IMatrixMediaIndex>(sp => UsesPostgres(sp)
            ? new PostgresMatrixMediaIndex(sp.GetRequiredService<PostgresDatabase>())
            : new SqliteMatrixMediaIndex(sp.GetRequiredService<SqliteDatabase>()));
        services.AddKeyedSingleton(MediaLedger.OriginalsFolder, (sp, _) => CreateOriginalsStore(sp));
        services.AddSingleton(sp => new PostgresListener(
            sp.GetRequiredService<PostgresDatabase>(), [PostgresMediaJobQueue.Channel, PostgresChangeNotifier.Channel],
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresListener>>()));
        services.AddSingleton<IMediaJobQueue>(sp =>
        {
            var media = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            return UsesPostgres(sp)
                ? new PostgresMediaJobQueue(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<PostgresListener>(), media.QueueCapacity,
                    TimeSpan.FromSeconds(media.LeaseSeconds), $"{sp.GetRequiredService<IOptions<NodeOptions>>().Value.NameOrHost}:{Environment.ProcessId}", sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<PostgresMediaJobQueue>>())
                : new InProcessMediaJobQueue(media.QueueCapacity);
        });
        services.AddSingleton<IChangeNotifier>(sp => UsesPostgres(sp)
            ? new PostgresChangeNotifier(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<PostgresListener>())
            : new InProcessChangeNotifier());
        services.AddHostedService<BackendsStartup>();
        return builder;
    }

    private static bool UsesPostgres(IServiceProvider services) =>
        services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider == DatabaseProvider.Postgres;

    /// <summary>The store <c>Storage:Kind</c> names; S3 keeps its temp files where the file system store would.</summary>
    private static IBlobStore CreateBlobStore(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        return storage.Kind == StorageKind.S3
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
        var local = Path.Combine(storage.Path, MediaLedger.OriginalsFolder);
        return storage.Kind == StorageKind.S3
            ? new S3BlobStore(storage.S3.ToStoreSettings() with { Prefix = $"{storage.S3.Prefix}{MediaLedger.OriginalsFolder}/" },
                Path.Combine(local, ".tmp"), services.GetRequiredService<ILogger<S3BlobStore>>())
            : new FileSystemBlobStore(local);
    }
}
