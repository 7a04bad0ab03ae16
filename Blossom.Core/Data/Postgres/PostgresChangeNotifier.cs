using Blossom.Core.Changes;
using Dapper;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// Changes told to every node through <c>NOTIFY</c>: each node's listener wakes its own long-polls,
/// this node's included, so a change made anywhere (a worker's progress, a Matrix upload) ends a wait anywhere.
/// </summary>
public sealed class PostgresChangeNotifier : IChangeNotifier
{
    public const string Channel = "blossom_changes";

    // NOTIFY payloads stop at 8000 bytes; this many keys (a task id is 36 characters, a Matrix key 31, and a comma) stay well below.
    private const int KeysPerNotification = 100;

    private readonly PostgresDatabase _database;
    private readonly InProcessChangeNotifier _local = new();

    public PostgresChangeNotifier(PostgresDatabase database, PostgresListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _database = database;
        listener.Subscribe(Channel, payload =>
        {
            // Null after a reconnect: changes may have been missed, so every waiter reads its state again.
            if (payload is null)
                _local.NotifyAll();
            else
                foreach (var key in payload.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    _local.Notify(key);
        });
    }

    public Task Subscribe(string key) => _local.Subscribe(key);

    public void Unsubscribe(string key, Task signal) => _local.Unsubscribe(key, signal);

    public async Task NotifyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
            return;
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            foreach (var chunk in keys.Chunk(KeysPerNotification))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_notify(@Channel, @payload)", new { Channel, payload = string.Join(',', chunk) }, cancellationToken: cancellationToken));
            }
        }
    }
}
