using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Blossom.Tests.Hosting;

/// <summary>
/// The base of every sweep, on a fake clock: rounds at start and every period, a failed round does not
/// end the sweep, and stopping ends the wait for the next round.
/// </summary>
public sealed class PeriodicSweepServiceTests
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task AtStartThenEvery_RoundAtStartThenOneAfterEachPeriod()
    {
        var time = new TimerCountingClock();
        using var sweep = new CountingSweep(SweepSchedule.AtStartThenEvery(Period), time);

        await sweep.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => sweep.Rounds == 1, "the first round runs at start");
        await time.TimerCreatedAsync();

        time.Advance(Period - TimeSpan.FromSeconds(1));
        sweep.Rounds.Should().Be(1, "no round before the period has passed");

        time.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => sweep.Rounds == 2, "a round runs once the period has passed");

        await sweep.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Every_NoRoundAtStart()
    {
        var time = new TimerCountingClock();
        using var sweep = new CountingSweep(SweepSchedule.Every(Period), time);

        await sweep.StartAsync(CancellationToken.None);
        await time.TimerCreatedAsync();
        sweep.Rounds.Should().Be(0);

        time.Advance(Period);
        await Poll.UntilAsync(() => sweep.Rounds == 1, "the first round runs after one period");

        await sweep.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task FailingRound_LoggedAndTheNextRoundStillRuns()
    {
        var time = new TimerCountingClock();
        using var sweep = new CountingSweep(SweepSchedule.AtStartThenEvery(Period), time) { FailingRounds = 1 };

        await sweep.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => sweep.Failures.Count == 1, "the failing first round is logged");
        await time.TimerCreatedAsync();

        time.Advance(Period);
        await Poll.UntilAsync(() => sweep.Rounds == 2, "the round after a failed one runs");
        sweep.Failures.Should().ContainSingle().Which.Should().BeOfType<InvalidOperationException>();
        sweep.ExecuteTask!.IsCompleted.Should().BeFalse("a failed round does not end the sweep");

        await sweep.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_EndsTheWaitForTheNextRound()
    {
        var time = new TimerCountingClock();
        using var sweep = new CountingSweep(SweepSchedule.AtStartThenEvery(Period), time);
        await sweep.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => sweep.Rounds == 1, "the first round runs at start");
        await time.TimerCreatedAsync();

        // The fake clock never moves: only the cancelled wait lets the sweep end.
        await sweep.StopAsync(CancellationToken.None);

        sweep.ExecuteTask!.IsCompletedSuccessfully.Should().BeTrue("stopping cancels the wait and ends the sweep quietly");
        time.Advance(Period * 3);
        sweep.Rounds.Should().Be(1, "no round runs after stopping");
    }

    [Fact]
    public async Task OnceAtStart_OneRoundThenDone()
    {
        var time = new TimerCountingClock();
        using var sweep = new CountingSweep(SweepSchedule.OnceAtStart, time);

        await sweep.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => sweep.ExecuteTask!.IsCompleted, "a one-off sweep ends after its round");

        sweep.Rounds.Should().Be(1);
        sweep.ExecuteTask!.IsCompletedSuccessfully.Should().BeTrue();
    }

    private sealed class CountingSweep(SweepSchedule schedule, TimeProvider time) : PeriodicSweepService(time)
    {
        private int _rounds;

        public int Rounds => Volatile.Read(ref _rounds);

        public int FailingRounds { get; init; }

        public List<Exception> Failures { get; } = [];

        protected override SweepSchedule Schedule => schedule;

        protected override Task SweepOnceAsync(CancellationToken cancellationToken)
        {
            var round = Interlocked.Increment(ref _rounds);
            if (round <= FailingRounds)
                throw new InvalidOperationException($"round {round} fails");
            return Task.CompletedTask;
        }

        protected override void LogSweepFailed(Exception exception)
        {
            lock (Failures)
                Failures.Add(exception);
        }
    }

    /// <summary>
    /// A fake clock that tells when the sweep has made its timer: <see cref="BackgroundService"/> runs the
    /// sweep on another thread, and advancing the clock before the timer exists would move past nothing.
    /// </summary>
    private sealed class TimerCountingClock : FakeTimeProvider
    {
        private int _timers;

        public Task TimerCreatedAsync() =>
            Poll.UntilAsync(() => Volatile.Read(ref _timers) > 0, "the sweep makes its timer");

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }
    }
}
