using System.Collections.Concurrent;
using Blossom.Core.Data;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Data;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task CallsWhileABatchCommits_ShareTheNextBatch()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new ConcurrentQueue<int>();
        var commits = new GroupCommit<int, int>(async items =>
        {
            batches.Enqueue(items.Count);
            await gate.Task;
            return [.. items.Select(i => i * 2)];
        });

        var first = commits.RunAsync(0);
        await Poll.UntilAsync(() => batches.Count == 1, "the first call's batch is committing");
        var waiting = Enumerable.Range(1, 10).Select(commits.RunAsync).ToArray();
        gate.SetResult();

        (await first).Should().Be(0);
        (await Task.WhenAll(waiting)).Should().Equal(Enumerable.Range(1, 10).Select(i => i * 2));
        batches.Should().Equal(1, 10);
    }

    [Fact]
    public async Task BatchWithAFailingItem_FailsThatCallerAlone()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var commits = new GroupCommit<int, int>(async items =>
        {
            await gate.Task;
            return items.Contains(3) ? throw new InvalidOperationException("item 3 is refused") : [.. items];
        });

        var calls = Enumerable.Range(0, 6).Select(commits.RunAsync).ToArray();
        gate.SetResult();

        await calls[3].Invoking(c => c).Should().ThrowAsync<InvalidOperationException>().WithMessage("item 3 is refused");
        foreach (var i in (int[])[0, 1, 2, 4, 5])
            (await calls[i]).Should().Be(i);
    }
}
