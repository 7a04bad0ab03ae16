namespace Blossom.Server;

/// <summary>
/// Remembers that a write failed for want of space (blob store or database), for a minute: long
/// enough for health checks to report it, short enough that freed space is noticed without a restart.
/// </summary>
internal sealed class StorageSpace(TimeProvider time)
{
    public const string FullReason = "The server is out of storage space";

    private static readonly TimeSpan Memory = TimeSpan.FromMinutes(1);
    private long _lastFullTicks;

    public bool IsFull => time.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastFullTicks) < Memory.Ticks;

    public void ReportFull() => Interlocked.Exchange(ref _lastFullTicks, time.GetUtcNow().UtcTicks);
}
