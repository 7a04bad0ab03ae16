using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Blossom.Core.Storage.FileSystem;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Media;

/// <summary>
/// The pipeline itself, built from the running server's own store, database and optimizer, with a
/// clock whose timers are counted.
/// </summary>
public sealed class MediaPipelineTests
{
    [Fact]
    public async Task HeldWaits_EachEndedByAChange_LeaveNoTimerBehind()
    {
        const int Waits = 10_000;
        using var app = new BlossomApplication();
        app.Start();
        var time = new CountingTimeProvider();
        var work = Path.Combine(app.DataRoot, "counted");
        var settings = new MediaTaskSettings(MaxRunningTasksPerOwner: 1, work, app.Services.GetRequiredService<MediaRecipe>());
        using var queue = new InProcessMediaJobQueue(capacity: 1);
        var ledger = new MediaLedger(app.Services.GetRequiredService<IMediaTaskStore>(), queue, new InProcessChangeNotifier(),
            new FileSystemBlobStore(Path.Combine(work, "originals")));
        var pipeline = new MediaTasks(ledger, app.Services.GetRequiredService<BlobService>(), settings, time);
        await new MediaJobRunner(ledger, app.Services.GetRequiredService<BlobService>(), app.Services.GetRequiredService<BlobBlocks>(), app.Services.GetRequiredService<IMediaOptimizer>(), settings, time)
            .InitializeAsync(CancellationToken.None);
        var owner = new NostrSigner().Pubkey;
        var original = MediaSamples.PngWithAlpha(16, 16);

        // No worker reads this pipeline's queue, and the first task keeps its job alive: every
        // later task joins that job and runs until its owner cancels it, the change that ends the wait.
        await SubmitAsync(pipeline, original, new NostrSigner().Pubkey);
        for (var i = 1; i <= Waits; i++)
        {
            var task = await SubmitAsync(pipeline, original, owner);
            var wait = pipeline.WaitForChangeAsync(task.Id, TimeSpan.FromHours(1), CancellationToken.None);
            await WaitForAsync(() => time.Created == i, "the wait holds with its timeout armed");
            await pipeline.CancelAsync(task.Id, owner, CancellationToken.None);
            (await wait)!.Status.Should().Be(MediaTaskStatus.Canceled);
        }

        // The last wait's timer is disposed just after its caller resumed.
        await WaitForAsync(() => time.Alive == 0, "a wait that ended on a change keeps no timer until its timeout");
        time.Created.Should().Be(Waits);
    }

    private static async Task<MediaTask> SubmitAsync(MediaTasks pipeline, byte[] original, string owner)
    {
        var pending = await pipeline.Originals.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await using (pending)
        {
            using var body = new MemoryStream(original);
            var received = await pending.ReceiveAsync(body, long.MaxValue, CancellationToken.None);
            return (await pipeline.SubmitAsync(pending, received, "image/png", owner, CancellationToken.None)).Task!;
        }
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => Poll.UntilAsync(condition, what, MediaRequests.Deadline);

    /// <summary>The system clock, counting the timers it hands out and how many of them were disposed.</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        private int _created;
        private int _disposed;

        public int Created => Volatile.Read(ref _created);

        public int Alive => Created - Volatile.Read(ref _disposed);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            return new CountedTimer(System.CreateTimer(callback, state, dueTime, period), this);
        }

        private sealed class CountedTimer(ITimer inner, CountingTimeProvider owner) : ITimer
        {
            private int _disposed;

            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                    Interlocked.Increment(ref owner._disposed);
                inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
