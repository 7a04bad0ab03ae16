using Microsoft.Extensions.Caching.Memory;

namespace Blossom.Server;

/// <summary>
/// Token checks the homeserver refused, counted per client address in fixed one-minute windows:
/// past <c>Matrix:FailedTokenChecksPerIpPerMinute</c> an address is not let ask the homeserver about
/// new tokens until its window ends. A check takes a place before it is sent (so concurrent guesses
/// cannot overrun the limit) and gives it back when the token turns out valid or the homeserver did
/// not answer: only refused tokens count.
/// </summary>
internal sealed class FailedTokenChecks(TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly MemoryCache _windows = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly Lock _lock = new();

    /// <summary>A place in <paramref name="address"/>'s window, or null with how long until the window ends.</summary>
    public FailedTokenCheckPlace? TryTake(string address, int limit, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_windows.TryGetValue(address, out FailureWindow? window) || window!.Ends <= now)
            {
                window = new FailureWindow(now + Window);
                _windows.Set(address, window, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = window.Ends });
            }
            if (window.Count >= limit)
            {
                retryAfter = window.Ends - now;
                return null;
            }
            window.Count++;
            retryAfter = TimeSpan.Zero;
            return new FailedTokenCheckPlace(this, window);
        }
    }

    internal void GiveBack(FailureWindow window)
    {
        lock (_lock)
            window.Count--;
    }

    public void Dispose() => _windows.Dispose();

    /// <summary>One address's failed checks in the window that ends at <see cref="Ends"/>.</summary>
    internal sealed class FailureWindow(DateTimeOffset ends)
    {
        public DateTimeOffset Ends { get; } = ends;

        public int Count { get; set; }
    }
}

/// <summary>A place taken in an address's failed-check window: kept when the homeserver refuses the token, else given back.</summary>
internal sealed class FailedTokenCheckPlace(FailedTokenChecks owner, FailedTokenChecks.FailureWindow window)
{
    private bool _done;

    /// <summary>The check did not fail: the place is free again.</summary>
    public void GiveBack()
    {
        if (_done)
            return;
        _done = true;
        owner.GiveBack(window);
    }

    /// <summary>The homeserver refused the token: the place stays taken until the window ends.</summary>
    public void Keep() => _done = true;
}
