using Blossom.Core.Data.Postgres;
using Blossom.Core.Media;

namespace Blossom.Server.Backends;

/// <summary>
/// Starts the listener through which the media queue and the change notifier hear the other nodes;
/// a database it cannot reach stops the start.
/// </summary>
internal sealed class PostgresListenerStartup : BackendStartup
{
    private readonly PostgresListener _listener;

    /// <summary>
    /// Takes the queue and the notifier, though it keeps neither: building them subscribes them, and
    /// what subscribes after the listener started would miss what it heard until then.
    /// </summary>
    public PostgresListenerStartup(PostgresListener listener, IMediaJobQueue queue, IMediaChangeNotifier notifier)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(notifier);
        _listener = listener;
    }

    public override Task StartingAsync(CancellationToken cancellationToken) => _listener.StartAsync(cancellationToken);
}
