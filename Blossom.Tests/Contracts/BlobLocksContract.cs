using Blossom.Core.Blobs;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IBlobLocks"/> promises, run against each implementation.</summary>
public abstract class BlobLocksContract : ContractSuite
{
    // Implementations may stripe hashes by their leading bytes, so "different hashes" here differ from the first byte on.
    private static readonly string First = new('a', 64);
    private static readonly string Second = new('b', 64);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Enter_ManyHoldersOfOneHash_NeverOverlap()
    {
        var locks = Database.BlobLocks();

        await HoldersNeverOverlapAsync(_ => locks);
    }

    [Fact]
    public async Task Enter_SameHashWhileHeld_WaitsUntilLeft()
    {
        var locks = Database.BlobLocks();
        var first = await locks.EnterAsync(First, CancellationToken.None);

        var second = locks.EnterAsync(First, CancellationToken.None);
        // Another hash gets in and out meanwhile: the wait above had every chance to end, had it been allowed to.
        await (await locks.EnterAsync(Second, CancellationToken.None).WaitAsync(Deadline)).DisposeAsync();
        second.IsCompleted.Should().BeFalse();

        await first.DisposeAsync();
        await (await second.WaitAsync(Deadline)).DisposeAsync();
    }

    [Fact]
    public async Task Enter_DifferentHashes_DoNotBlockEachOther()
    {
        var locks = Database.BlobLocks();
        var first = await locks.EnterAsync(First, CancellationToken.None);
        await using (first)
        {
            var second = await locks.EnterAsync(Second, CancellationToken.None).WaitAsync(Deadline);
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Enter_CanceledWhileWaiting_ThrowsAndHoldsNothing()
    {
        var locks = Database.BlobLocks();
        var first = await locks.EnterAsync(First, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = locks.EnterAsync(First, cancel.Token);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => waiting.WaitAsync(Deadline)).Should().ThrowAsync<OperationCanceledException>();
        await first.DisposeAsync();
        await (await locks.EnterAsync(First, CancellationToken.None).WaitAsync(Deadline)).DisposeAsync();
    }

    /// <summary>Sixteen holders enter the same hash five times each through <paramref name="nodeOf"/>(holder); none is ever in with another.</summary>
    protected static async Task HoldersNeverOverlapAsync(Func<int, IBlobLocks> nodeOf)
    {
        ArgumentNullException.ThrowIfNull(nodeOf);
        var inside = 0;
        var overlaps = 0;
        var entries = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(holder => Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                var section = await nodeOf(holder).EnterAsync(First, CancellationToken.None);
                await using (section)
                {
                    if (Interlocked.Increment(ref inside) > 1)
                        Interlocked.Increment(ref overlaps);
                    Interlocked.Increment(ref entries);
                    // Gives every other holder the chance to get in, which only a broken lock lets it take.
                    await Task.Yield();
                    Interlocked.Decrement(ref inside);
                }
            }
        }))).WaitAsync(Deadline);

        overlaps.Should().Be(0);
        entries.Should().Be(80);
    }
}

/// <summary>With SQLite the server is one process, and its blob sections are in memory.</summary>
public sealed class SqliteBlobLocksContract : BlobLocksContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresBlobLocksContract(PostgresServer server) : BlobLocksContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);

    [Fact]
    public async Task Enter_SameHashOnTwoNodes_NeverOverlap()
    {
        IBlobLocks[] nodes = [Database.BlobLocks(), Database.BlobLocks()];

        await HoldersNeverOverlapAsync(holder => nodes[holder % 2]);
    }
}
