using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Data;
using Blossom.Core.Data.Postgres;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Blossom.Core.Moderation;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Database:Provider=Postgres</c>: the database every node of a server shares, so what must hold
/// across nodes holds there: blob and preview sections as advisory locks, quota reservations, the media
/// queue any node's worker takes from, and change signals told to every node through its listener.
/// </summary>
internal static class PostgresBackend
{
    public static IServiceCollection AddPostgresBackend(this IServiceCollection services)
    {
        services.AddSingleton(sp => new PostgresDatabase(ConnectionString(sp)));
        services.AddSingleton<ISqlDatabase>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddSingleton<IBlobIndex>(sp => new PostgresBlobIndex(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IModerationStore>(sp => new PostgresModerationStore(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSqlStores();
        services.AddSingleton<IBlobLocks>(sp => new PostgresBlobLocks(ConnectionString(sp)));
        services.AddKeyedSingleton<IBlobLocks>(BackendsModule.PreviewLocksKey, (sp, _) => new PostgresBlobLocks(ConnectionString(sp)));
        services.AddKeyedSingleton<IBlobLocks>(BackendsModule.RemoteMediaLocksKey, (sp, _) => new PostgresBlobLocks(ConnectionString(sp)));
        services.AddSingleton<IQuotaReservations>(sp => new PostgresQuotaReservations(
            ConnectionString(sp), sp.GetRequiredService<IBlobIndex>(), sp.GetRequiredService<IOptions<UploadOptions>>().Value.QuotaBytesPerPubkey));
        services.AddSingleton(sp => new PostgresListener(
            sp.GetRequiredService<PostgresDatabase>(), [PostgresMediaJobQueue.Channel, PostgresChangeNotifier.Channel],
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresListener>>()));
        services.AddSingleton<IMediaJobQueue>(sp =>
        {
            var media = sp.GetRequiredService<IOptions<MediaOptions>>().Value;
            return new PostgresMediaJobQueue(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<PostgresListener>(), media.QueueCapacity,
                TimeSpan.FromSeconds(media.LeaseSeconds), $"{sp.GetRequiredService<IOptions<NodeOptions>>().Value.NameOrHost}:{Environment.ProcessId}", sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<PostgresMediaJobQueue>>());
        });
        services.AddSingleton<IChangeNotifier>(sp =>
            new PostgresChangeNotifier(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<PostgresListener>()));
        services.AddHostedService<DatabaseStartup>();
        services.AddHostedService<PostgresListenerStartup>();
        return services;
    }

    private static string ConnectionString(IServiceProvider services) =>
        services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString;
}
