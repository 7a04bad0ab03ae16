using Blossom.Core.Changes;
using Blossom.Core.Data.Postgres;
using Blossom.Core.Media;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Starts the listener through which the media queue and the change notifier hear the other nodes
/// (media task changes, Matrix uploads), when media tasks or Matrix are on (nothing else listens); a
/// database it cannot reach stops the start.
/// </summary>
internal sealed class PostgresListenerStartup : StartupStep
{
    private readonly PostgresListener _listener;
    private readonly bool _listened;

    /// <summary>
    /// Takes the queue and the notifier, though it keeps neither: building them subscribes them, and
    /// what subscribes after the listener started would miss what it heard until then.
    /// </summary>
    public PostgresListenerStartup(PostgresListener listener, IMediaJobQueue queue, IChangeNotifier notifier, IOptions<MediaOptions> media, IOptions<MatrixOptions> matrix)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(matrix);
        (_listener, _listened) = (listener, media.Value.Enabled || matrix.Value.Enabled);
    }

    public override Task StartingAsync(CancellationToken cancellationToken) =>
        _listened ? _listener.StartAsync(cancellationToken) : Task.CompletedTask;
}
