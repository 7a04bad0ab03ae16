using Blossom.Core.Data.Postgres;
using Blossom.Core.Media;
using Blossom.Server.Options;
using Microsoft.Extensions.Options;

namespace Blossom.Server.Backends;

/// <summary>
/// Starts the listener through which the media queue and the change notifier hear the other nodes,
/// when media tasks are on (nothing else listens); a database it cannot reach stops the start.
/// </summary>
internal sealed class PostgresListenerStartup : BackendStartup
{
    private readonly PostgresListener _listener;
    private readonly bool _mediaEnabled;

    /// <summary>
    /// Takes the queue and the notifier, though it keeps neither: building them subscribes them, and
    /// what subscribes after the listener started would miss what it heard until then.
    /// </summary>
    public PostgresListenerStartup(PostgresListener listener, IMediaJobQueue queue, IMediaChangeNotifier notifier, IOptions<MediaOptions> media)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(media);
        (_listener, _mediaEnabled) = (listener, media.Value.Enabled);
    }

    public override Task StartingAsync(CancellationToken cancellationToken) =>
        _mediaEnabled ? _listener.StartAsync(cancellationToken) : Task.CompletedTask;
}
