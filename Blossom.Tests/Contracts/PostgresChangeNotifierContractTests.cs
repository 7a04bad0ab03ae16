using Blossom.Core.Changes;
using Blossom.Tests.Infrastructure;
using Dapper;

namespace Blossom.Tests.Contracts;

/// <summary>The notifier contract on PostgreSQL, and a change told on one node waking a waiter on another.</summary>
[Collection(PostgresTestGroup.Name)]
public sealed class PostgresChangeNotifierContractTests(PostgresServer server) : ChangeNotifierContract
{
    private readonly List<PostgresMediaNode> _nodes = [];
    private string _connectionString = "";

    protected override async Task<IChangeNotifier> CreateNotifierAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        return (await StartNodeAsync()).Notifier;
    }

    protected override async Task RemoveNotifierAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }

    [Fact]
    public async Task Notify_OnAnotherNode_WakesTheWaiterHere()
    {
        var other = await StartNodeAsync();
        var id = Guid.NewGuid().ToString();
        var signal = Notifier.Subscribe(id);

        await other.Notifier.NotifyAsync([id], CancellationToken.None);

        await signal.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Notify_ManyTasksAtOnce_EveryWaiterOnEveryNodeWakes()
    {
        var other = await StartNodeAsync();
        var ids = Enumerable.Range(0, 250).Select(_ => Guid.NewGuid().ToString()).ToList();
        var signals = ids.Select(Notifier.Subscribe).Concat(ids.Select(other.Notifier.Subscribe)).ToList();

        await Notifier.NotifyAsync(ids, CancellationToken.None);

        await Task.WhenAll(signals).WaitAsync(Deadline);
    }

    [Fact]
    public async Task ListenerConnectionKilled_WaitersWokenToReadAgain_ThenNotificationsArriveAgain()
    {
        var other = await StartNodeAsync();
        var id = Guid.NewGuid().ToString();
        var waiting = Notifier.Subscribe(id);

        // What a database restart or a dropped connection does to the listening session.
        await using (var connection = await other.Database.OpenAsync(CancellationToken.None))
            (await connection.ExecuteScalarAsync<int>(
                "SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"))
                .Should().BeGreaterThan(0);

        await waiting.WaitAsync(Deadline); // notifications may have been missed: the waiter reads its task again
        var later = Guid.NewGuid().ToString();
        var afterReconnect = Notifier.Subscribe(later);
        // Told until heard: the listener may still be connecting again when the first is sent.
        await Poll.UntilAsync(async () =>
        {
            await other.Notifier.NotifyAsync([later], CancellationToken.None);
            await Task.WhenAny(afterReconnect, Task.Delay(100));
            return afterReconnect.IsCompleted;
        }, "the listener connects again", Deadline);
    }

    private async Task<PostgresMediaNode> StartNodeAsync()
    {
        var node = await PostgresMediaNode.StartAsync(_connectionString, capacity: 1, TimeSpan.FromSeconds(5));
        _nodes.Add(node);
        return node;
    }
}
