using Blossom.Core.Media;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>The notifier contract on PostgreSQL, and a change told on one node waking a waiter on another.</summary>
[Collection(PostgresTestGroup.Name)]
public sealed class PostgresMediaChangeNotifierContractTests(PostgresServer server) : MediaChangeNotifierContract
{
    private readonly List<PostgresMediaNode> _nodes = [];
    private string _connectionString = "";

    protected override async Task<IMediaChangeNotifier> CreateNotifierAsync()
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

    private async Task<PostgresMediaNode> StartNodeAsync()
    {
        var node = await PostgresMediaNode.StartAsync(_connectionString, capacity: 1, TimeSpan.FromSeconds(5));
        _nodes.Add(node);
        return node;
    }
}
