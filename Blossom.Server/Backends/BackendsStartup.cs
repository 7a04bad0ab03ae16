using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Data.Postgres;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>Migrates the database and readies the stores before any other service starts and before the first request.</summary>
internal sealed class BackendsStartup(IServiceProvider services, IOptions<DatabaseOptions> database, IOptions<MediaOptions> media, IOptions<MatrixOptions> matrix) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await services.GetRequiredService<IBlobIndex>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<IBlobStore>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<IPartialUploadStore>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<IPartialUploadIndex>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        if (database.Value.Provider == DatabaseProvider.Postgres && (media.Value.Enabled || matrix.Value.Enabled))
        {
            // The media queue and the change notifier hear other nodes through it: media task changes and Matrix
            // uploads. Both are resolved first so they subscribe before it listens.
            if (media.Value.Enabled)
                services.GetRequiredService<IMediaJobQueue>();
            services.GetRequiredService<IChangeNotifier>();
            await services.GetRequiredService<PostgresListener>().StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
