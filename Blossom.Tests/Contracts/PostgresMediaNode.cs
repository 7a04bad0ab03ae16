using Blossom.Core.Data.Postgres;
using Blossom.Core.Media;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Contracts;

/// <summary>What one server node holds of the shared media queue: its own pool, listener, queue and notifier.</summary>
internal sealed class PostgresMediaNode : IAsyncDisposable
{
    private PostgresMediaNode(PostgresDatabase database, PostgresListener listener, PostgresMediaJobQueue queue, PostgresChangeNotifier notifier) =>
        (Database, Listener, Queue, Notifier) = (database, listener, queue, notifier);

    public PostgresDatabase Database { get; }

    public PostgresListener Listener { get; }

    public PostgresMediaJobQueue Queue { get; }

    public PostgresChangeNotifier Notifier { get; }

    /// <summary>A node on the database at <paramref name="connectionString"/>, migrated and listening.</summary>
    public static async Task<PostgresMediaNode> StartAsync(string connectionString, int capacity, TimeSpan lease)
    {
        var database = new PostgresDatabase(connectionString);
        await database.MigrateAsync(CancellationToken.None);
        var listener = new PostgresListener(database, [PostgresMediaJobQueue.Channel, PostgresChangeNotifier.Channel], TimeProvider.System, NullLogger<PostgresListener>.Instance);
        var queue = new PostgresMediaJobQueue(database, listener, capacity, lease, "test", TimeProvider.System, NullLogger<PostgresMediaJobQueue>.Instance);
        var notifier = new PostgresChangeNotifier(database, listener);
        await listener.StartAsync(CancellationToken.None);
        return new PostgresMediaNode(database, listener, queue, notifier);
    }

    public async ValueTask DisposeAsync()
    {
        await Listener.DisposeAsync();
        Queue.Dispose();
        await Database.DisposeAsync();
    }
}
