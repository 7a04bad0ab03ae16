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

    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null) =>
        UntilAsync(condition, () => what, deadline);

    /// <summary>
    /// As above, with the failure message made only when the deadline passes, so it can tell what was
    /// seen last (a process's output so far, a task's last state).
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(what);
        var limit = deadline ?? DefaultDeadline;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed >= limit)
                clock.Elapsed.Should().BeLessThan(limit, what());
            await Task.Delay(Interval);
        }
    }

    /// <summary>The first value <paramref name="attempt"/> gives that is not null.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T?>> attempt, string what, TimeSpan? deadline = null) where T : class
    {
        ArgumentNullException.ThrowIfNull(attempt);
        T? value = null;
        await UntilAsync(async () => (value = await attempt()) is not null, what, deadline);
        return value!;
    }
}
