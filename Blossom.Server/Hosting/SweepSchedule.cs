namespace Blossom.Server;

/// <summary>
/// When a <see cref="PeriodicSweepService"/> runs its rounds: at start, and then every <see cref="Period"/>
/// if there is one.
/// </summary>
internal sealed record SweepSchedule(bool AtStart, TimeSpan? Period)
{
    /// <summary>This node does not sweep (the feature is off).</summary>
    public static SweepSchedule Never { get; } = new(AtStart: false, Period: null);

    /// <summary>Once, at start.</summary>
    public static SweepSchedule OnceAtStart { get; } = new(AtStart: true, Period: null);

    /// <summary>Every period, the first <paramref name="period"/> after start.</summary>
    public static SweepSchedule Every(TimeSpan period) => new(AtStart: false, period);

    /// <summary>At start and then every period.</summary>
    public static SweepSchedule AtStartThenEvery(TimeSpan period) => new(AtStart: true, period);

    /// <summary>The period: a quarter of <paramref name="lifetime"/>, at most <paramref name="longest"/>.</summary>
    public static TimeSpan QuarterOf(TimeSpan lifetime, TimeSpan longest) =>
        lifetime / 4 < longest ? lifetime / 4 : longest;
}
