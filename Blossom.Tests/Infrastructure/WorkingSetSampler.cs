using System.Diagnostics;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// Samples this process's working set (managed and native memory alike, libvips included) every
/// 20 ms from a baseline taken after a full collection, so a test can assert how far it grew.
/// Tests using it belong to the <c>MemoryMeasurement</c> collection, which runs alone.
/// </summary>
internal sealed class WorkingSetSampler : IAsyncDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;

    private WorkingSetSampler()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        _process.Refresh();
        Baseline = _peak = _process.WorkingSet64;
        _sampling = Task.Run(SampleAsync);
    }

    public long Baseline { get; }

    /// <summary>The largest growth over the baseline seen so far.</summary>
    public long Growth
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak) - Baseline;
        }
    }

    public string Describe() => $"the working set grew from {Baseline >> 20} MiB to {Interlocked.Read(ref _peak) >> 20} MiB";

    public static WorkingSetSampler Start() => new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
        _process.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (await timer.WaitForNextTickAsync(_stop.Token))
            Sample();
    }

    private void Sample()
    {
        lock (_process)
        {
            _process.Refresh();
            _peak = Math.Max(_peak, _process.WorkingSet64);
        }
    }
}
