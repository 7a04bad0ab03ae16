using System.Diagnostics;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// Waits for what a test cannot be told about (a background job, another process), checking again
/// every few milliseconds; the test fails with <c>what</c> once the deadline passes.
/// </summary>
public static class Poll
{
    /// <summary>Long enough for a loaded two-core CI machine: only a failing test ever waits this long.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, deadline);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            clock.Elapsed.Should().BeLessThan(deadline ?? DefaultDeadline, what);
            await Task.Delay(Interval);
        }
    }
}
