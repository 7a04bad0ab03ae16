using Blossom.Core.Media;
using Blossom.Tests.Infrastructure;
using Dapper;

namespace Blossom.Tests.Contracts;

/// <summary>The queue contract on PostgreSQL, and what only a queue shared by several nodes promises.</summary>
[Collection(PostgresTestGroup.Name)]
public sealed class PostgresMediaJobQueueContractTests(PostgresServer server) : MediaJobQueueContract
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    private readonly List<PostgresMediaNode> _nodes = [];
    private string _connectionString = "";

    protected override async Task<IMediaJobQueue> CreateQueueAsync()
    {
        _connectionString = await server.CreateDatabaseAsync();
        return (await StartNodeAsync()).Queue;
    }

    protected override async Task RemoveQueueAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }

    [Fact]
    public async Task Claim_JobQueuedOnAnotherNode_ClaimedHere()
    {
        var other = await StartNodeAsync();
        var job = NewJob();
        await EnqueueAsync(job);

        (await ClaimAsync(other.Queue)).Job.Should().Be(job);
        (await TryClaimAsync(Queue)).Should().BeNull("the other node holds it");
    }

    [Fact]
    public async Task Claim_HolderDiedAndLeaseRanOut_AnotherNodeClaimsItAgain()
    {
        var job = NewJob();
        await EnqueueAsync(job);
        var dying = await StartNodeAsync();
        var first = await dying.Queue.ClaimAsync(CancellationToken.None);
        // A killed node renews nothing: its claim ends without handing the job back.
        await first.DisposeAsync();

        var second = await ClaimAsync(Queue);

        second.Job.Should().Be(job);
        second.Attempt.Should().Be(2, "every claim counts, so media that kills its worker every time is given up");
    }

    [Fact]
    public async Task Holds_LeaseRanOutAndTakenOver_FalseForTheOldHolder()
    {
        var job = NewJob();
        await EnqueueAsync(job);
        var stalled = await StartNodeAsync();
        var old = await ClaimAsync(stalled.Queue);
        // The holder stalled past its lease (a pause, a partition) while its heartbeat could not reach the database.
        await using (var connection = await Node.Database.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync("UPDATE media_jobs SET lease_until = now() - interval '1 second'");

        var taken = await ClaimAsync(Queue);

        taken.Job.Should().Be(job);
        (await old.HoldsAsync(CancellationToken.None)).Should().BeFalse("its result must not be written next to the new holder's");
        old.Lost.IsCancellationRequested.Should().BeTrue();
        (await taken.HoldsAsync(CancellationToken.None)).Should().BeTrue();
    }

    [Fact]
    public async Task Holds_WhileTheWorkerRuns_HeartbeatKeepsTheLease()
    {
        await EnqueueAsync(NewJob());
        var claim = await ClaimAsync(Queue);
        var other = await StartNodeAsync();

        // Three leases long: without the heartbeat the job would be claimable again.
        (await TryClaimAsync(other.Queue, Lease * 3)).Should().BeNull();

        (await claim.HoldsAsync(CancellationToken.None)).Should().BeTrue();
    }

    [Fact]
    public async Task Release_ServerStopping_JobClaimableAtOnceWithoutCountingTheAttempt()
    {
        var job = NewJob();
        await EnqueueAsync(job);
        var stopping = await ClaimAsync(Queue);

        await stopping.ReleaseAsync(CancellationToken.None);

        var next = await ClaimAsync((await StartNodeAsync()).Queue);
        next.Job.Should().Be(job);
        next.Attempt.Should().Be(1);
    }

    [Fact]
    public async Task Remove_JobClaimedOnAnotherNode_ItsHeartbeatReportsItLost()
    {
        var job = NewJob();
        await EnqueueAsync(job);
        var other = await StartNodeAsync();
        var claim = await ClaimAsync(other.Queue);

        await Queue.RemoveAsync(job, CancellationToken.None);

        await Poll.UntilAsync(() => claim.Lost.IsCancellationRequested, "the heartbeat finds the job gone");
    }

    private PostgresMediaNode Node => _nodes[0];

    private async Task<PostgresMediaNode> StartNodeAsync()
    {
        var node = await PostgresMediaNode.StartAsync(_connectionString, Capacity, Lease);
        _nodes.Add(node);
        return node;
    }
}
