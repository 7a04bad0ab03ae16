namespace Blossom.Tests.Infrastructure;

/// <summary>A clock the test sets, for rules about when something happened (unix seconds).</summary>
public sealed class ManualClock(long unixSeconds) : TimeProvider
{
    public long UnixSeconds { get; set; } = unixSeconds;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds(UnixSeconds);
}
