using System.Diagnostics;
using Blossom.Core.Media;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>
/// What every <see cref="IMediaJobQueue"/> promises, written once: each implementation runs it through
/// a small subclass that makes a fresh, empty queue and removes it afterwards.
/// </summary>
public abstract class MediaJobQueueContract : IAsyncLifetime
{
    protected const int Capacity = 3;

    // Long enough for any claim a test expects; a claim that must not come is given a short wait instead.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NoClaim = TimeSpan.FromMilliseconds(700);

    private readonly List<IMediaJobClaim> _claims = [];
    private IMediaJobQueue? _queue;

    protected IMediaJobQueue Queue => _queue ?? throw new InvalidOperationException("The queue is made in InitializeAsync.");

    /// <summary>A new queue with nothing in it, holding at most <see cref="Capacity"/> waiting jobs.</summary>
    protected abstract Task<IMediaJobQueue> CreateQueueAsync();

    /// <summary>Removes whatever <see cref="CreateQueueAsync"/> made.</summary>
    protected abstract Task RemoveQueueAsync();

    public async Task InitializeAsync() => _queue = await CreateQueueAsync();

    public async Task DisposeAsync()
    {
        foreach (var claim in _claims)
            await claim.DisposeAsync();
        await RemoveQueueAsync();
    }

    [Fact]
    public async Task Claim_SeveralJobs_FirstQueuedFirstClaimed()
    {
        var jobs = new[] { NewJob(), NewJob(), NewJob() };
        foreach (var job in jobs)
            (await EnqueueAsync(job)).Should().BeTrue();

        var claimed = new List<MediaJob>();
        for (var i = 0; i < jobs.Length; i++)
            claimed.Add((await ClaimAsync(Queue)).Job);

        claimed.Should().Equal(jobs);
    }

    [Fact]
    public async Task Claim_ClaimedJob_IsNotClaimedTwice()
    {
        var job = NewJob();
        await EnqueueAsync(job);
        var first = await ClaimAsync(Queue);

        var second = await TryClaimAsync(Queue);

        first.Job.Should().Be(job);
        first.Attempt.Should().Be(1);
        second.Should().BeNull("the only job is held by the first claim");
        (await Queue.CountWaitingAsync(CancellationToken.None)).Should().Be(0);
        (await first.HoldsAsync(CancellationToken.None)).Should().BeTrue();
    }

    [Fact]
    public async Task Claim_EmptyQueue_WaitsForTheNextJob()
    {
        var claiming = ClaimAsync(Queue);

        var job = NewJob();
        await EnqueueAsync(job);

        (await claiming).Job.Should().Be(job);
    }

    [Fact]
    public async Task TryEnqueue_QueueFull_Refused()
    {
        for (var i = 0; i < Capacity; i++)
            (await EnqueueAsync(NewJob())).Should().BeTrue();

        (await EnqueueAsync(NewJob())).Should().BeFalse();
        (await Queue.CountWaitingAsync(CancellationToken.None)).Should().Be(Capacity);
    }

    [Fact]
    public async Task TryEnqueue_AfterAClaim_HasRoomAgain()
    {
        for (var i = 0; i < Capacity; i++)
            await EnqueueAsync(NewJob());

        await ClaimAsync(Queue);

        (await EnqueueAsync(NewJob())).Should().BeTrue("a claimed job no longer waits");
    }

    [Fact]
    public async Task Requeue_QueueFull_TakenAnyway()
    {
        for (var i = 0; i < Capacity; i++)
            await EnqueueAsync(NewJob());
        var interrupted = NewJob();

        await LockedAsync(() => Queue.RequeueAsync(interrupted, CancellationToken.None));

        (await Queue.FindAsync(interrupted.OriginalSha256, CancellationToken.None)).Should().Be(interrupted);
    }

    [Fact]
    public async Task Find_QueuedOrClaimed_ByItsOriginal()
    {
        var waiting = NewJob();
        var claimed = NewJob();
        await EnqueueAsync(claimed);
        await ClaimAsync(Queue);
        await EnqueueAsync(waiting);

        (await Queue.FindAsync(waiting.OriginalSha256, CancellationToken.None)).Should().Be(waiting);
        (await Queue.FindAsync(claimed.OriginalSha256, CancellationToken.None)).Should().Be(claimed);
        (await Queue.FindAsync(NewJob().OriginalSha256, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task Remove_ClaimedJob_ClaimLosesIt()
    {
        var job = NewJob();
        await EnqueueAsync(job);
        var claim = await ClaimAsync(Queue);

        (await Queue.RemoveAsync(job, CancellationToken.None)).Should().BeTrue();

        claim.Lost.IsCancellationRequested.Should().BeTrue();
        (await claim.HoldsAsync(CancellationToken.None)).Should().BeFalse();
        (await Queue.FindAsync(job.OriginalSha256, CancellationToken.None)).Should().BeNull();
        (await Queue.RemoveAsync(job, CancellationToken.None)).Should().BeFalse("it is gone already");
    }

    [Fact]
    public async Task Remove_WaitingJob_NeverClaimed()
    {
        var removed = NewJob();
        var kept = NewJob();
        await EnqueueAsync(removed);
        await EnqueueAsync(kept);

        await Queue.RemoveAsync(removed, CancellationToken.None);

        (await ClaimAsync(Queue)).Job.Should().Be(kept);
        (await TryClaimAsync(Queue)).Should().BeNull();
    }

    [Fact]
    public async Task Remove_OlderJobOfTheSameOriginal_LeavesTheNewerOne()
    {
        var older = NewJob();
        await EnqueueAsync(older);
        await Queue.RemoveAsync(older, CancellationToken.None);
        var newer = older with { JobId = Guid.NewGuid() };
        await EnqueueAsync(newer);

        (await Queue.RemoveAsync(older, CancellationToken.None)).Should().BeFalse();

        (await Queue.FindAsync(newer.OriginalSha256, CancellationToken.None)).Should().Be(newer);
    }

    [Fact]
    public async Task Lock_Held_SecondWaitsForIt()
    {
        var first = await Queue.LockAsync(CancellationToken.None);
        var second = Queue.LockAsync(CancellationToken.None);
        (await TryClaimLockAsync(second)).Should().BeFalse("the first holder has not let go");

        await first.DisposeAsync();

        await (await second.WaitAsync(Deadline)).DisposeAsync();
    }

    /// <summary>Whether the lock came within a short wait: what cannot be polled for, its absence, is watched for a while.</summary>
    private static async Task<bool> TryClaimLockAsync(Task<IAsyncDisposable> locking)
    {
        try
        {
            await locking.WaitAsync(NoClaim);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    protected static MediaJob NewJob() =>
        new(Guid.NewGuid(), Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), "video/mp4", MediaKind.Video);

    /// <summary>Queues a job as admission does: under the lock.</summary>
    protected Task<bool> EnqueueAsync(MediaJob job) => LockedAsync(() => Queue.TryEnqueueAsync(job, CancellationToken.None));

    protected async Task<T> LockedAsync<T>(Func<Task<T>> action)
    {
        var held = await Queue.LockAsync(CancellationToken.None);
        await using (held)
            return await action();
    }

    protected async Task LockedAsync(Func<Task> action) => await LockedAsync(async () =>
    {
        await action();
        return true;
    });

    /// <summary>Claims from <paramref name="queue"/> within the deadline; the claim is let go after the test.</summary>
    protected async Task<IMediaJobClaim> ClaimAsync(IMediaJobQueue queue)
    {
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(Deadline);
        var claim = await queue.ClaimAsync(deadline.Token);
        clock.Elapsed.Should().BeLessThan(Deadline);
        _claims.Add(claim);
        return claim;
    }

    /// <summary>A claim within a short wait, or null when none came.</summary>
    protected async Task<IMediaJobClaim?> TryClaimAsync(IMediaJobQueue queue, TimeSpan? within = null)
    {
        using var wait = new CancellationTokenSource(within ?? NoClaim);
        try
        {
            var claim = await queue.ClaimAsync(wait.Token);
            _claims.Add(claim);
            return claim;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
