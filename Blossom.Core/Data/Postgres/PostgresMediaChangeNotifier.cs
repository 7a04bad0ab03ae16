using Blossom.Core.Media;
using Dapper;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// Task changes told to every node through <c>NOTIFY</c>: each node's listener wakes its own
/// long-polls, this node's included, so a change made by a worker anywhere ends a wait anywhere.
/// </summary>
public sealed class PostgresMediaChangeNotifier : IMediaChangeNotifier
{
    public const string Channel = "blossom_media_tasks";

    // NOTIFY payloads stop at 8000 bytes; this many ids (36 characters and a comma) stay well below.
    private const int IdsPerNotification = 100;

    private readonly PostgresDatabase _database;
    private readonly InProcessMediaChangeNotifier _local = new();

    public PostgresMediaChangeNotifier(PostgresDatabase database, PostgresListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _database = database;
        listener.Subscribe(Channel, payload =>
        {
            // Null after a reconnect: changes may have been missed, so every waiter reads its task again.
            if (payload is null)
                _local.NotifyAll();
            else
                foreach (var id in payload.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    _local.Notify(id);
        });
    }

    public Task Subscribe(string taskId) => _local.Subscribe(taskId);

    public void Unsubscribe(string taskId, Task signal) => _local.Unsubscribe(taskId, signal);

    public async Task NotifyAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        if (taskIds.Count == 0)
            return;
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var chunk in taskIds.Chunk(IdsPerNotification))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_notify(@Channel, @payload)", new { Channel, payload = string.Join(',', chunk) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }
        }
    }
}
