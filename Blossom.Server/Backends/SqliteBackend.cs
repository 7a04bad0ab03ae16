using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Data;
using Blossom.Core.Data.Sqlite;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Blossom.Core.Moderation;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Database:Provider=Sqlite</c>: one file that one server process uses, so what must hold across
/// requests (blob sections, quota reservations, the media queue and its change signals) is that
/// process's memory.
/// </summary>
internal static class SqliteBackend
{
    public static IServiceCollection AddSqliteBackend(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        services.AddSingleton<ISqlDatabase>(sp => sp.GetRequiredService<SqliteDatabase>());
        // 100k records of ~200 bytes: a few tens of MiB at most, for a GET without a database round trip. Only
        // with SQLite: with PostgreSQL another node may delete a blob, and this node's cache would not hear of it.
        services.AddSingleton<IBlobIndex>(sp => new CachingBlobIndex(
            new SqliteBlobIndex(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()), capacity: 100_000));
        services.AddSingleton<IModerationStore>(sp => new SqliteModerationStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSqlStores();
        services.AddSingleton<IBlobLocks, StripedBlobLocks>();
        services.AddKeyedSingleton<IBlobLocks, StripedBlobLocks>(BackendsModule.PreviewLocksKey);
        services.AddKeyedSingleton<IBlobLocks, StripedBlobLocks>(BackendsModule.RemoteMediaLocksKey);
        services.AddSingleton<IQuotaReservations>(sp =>
            new QuotaReservations(sp.GetRequiredService<IBlobIndex>(), sp.GetRequiredService<IOptions<UploadOptions>>().Value.QuotaBytesPerPubkey));
        services.AddSingleton<IMediaJobQueue>(sp => new InProcessMediaJobQueue(sp.GetRequiredService<IOptions<MediaOptions>>().Value.QueueCapacity));
        services.AddSingleton<IChangeNotifier, InProcessChangeNotifier>();
        services.AddHostedService<DatabaseStartup>();
        return services;
    }
}
