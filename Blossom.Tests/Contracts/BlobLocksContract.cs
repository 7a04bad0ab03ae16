using Blossom.Core.Blobs;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IBlobLocks"/> promises, run against each implementation.</summary>
public abstract class BlobLocksContract
{
    // Implementations may stripe hashes by their leading bytes, so "different hashes" here differ from the first byte on.
    private static readonly string First = new('a', 64);
    private static readonly string Second = new('b', 64);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>The implementation under test; a new one per test.</summary>
    protected abstract Task<IBlobLocks> CreateAsync();

    [Fact]
    public async Task Enter_ManyHoldersOfOneHash_NeverOverlap()
    {
        var locks = await CreateAsync();
        var inside = 0;
        var overlaps = 0;
        var entries = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                var section = await locks.EnterAsync(First, CancellationToken.None);
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

    [Fact]
    public async Task Enter_SameHashWhileHeld_WaitsUntilLeft()
    {
        var locks = await CreateAsync();
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
        var locks = await CreateAsync();
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
        var locks = await CreateAsync();
        var first = await locks.EnterAsync(First, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = locks.EnterAsync(First, cancel.Token);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => waiting.WaitAsync(Deadline)).Should().ThrowAsync<OperationCanceledException>();
        await first.DisposeAsync();
        await (await locks.EnterAsync(First, CancellationToken.None).WaitAsync(Deadline)).DisposeAsync();
    }
}

public sealed class StripedBlobLocksContract : BlobLocksContract
{
    protected override Task<IBlobLocks> CreateAsync() => Task.FromResult<IBlobLocks>(new StripedBlobLocks());
}
