using Microsoft.Extensions.Caching.Memory;

namespace Blossom.Server;

/// <summary>
/// The bytes of recently read small blobs, so a popular avatar or thumbnail costs no file open and
/// read per GET. Bytes of a hash never change, so an entry is never stale; whether the blob still
/// exists is asked of the index before every use, which on every node of a cluster sees a delete
/// made by any of them. Bounded by bytes; an entry nobody asked for in a while leaves, so the bytes
/// of a deleted blob do not stay in memory for long.
/// </summary>
internal sealed class HotBlobs : IDisposable
{
    /// <summary>16 MiB: hundreds of small blobs, a small share of the server's memory budget.</summary>
    private const long CapacityBytes = 16 * 1024 * 1024;

    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _bytes = new(new MemoryCacheOptions { SizeLimit = CapacityBytes });

    /// <summary>The blob's bytes when held; call only for a blob the index has just found.</summary>
    public byte[]? Find(string sha256) => _bytes.TryGetValue(sha256, out byte[]? bytes) ? bytes : null;

    public void Keep(string sha256, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        _bytes.Set(sha256, bytes, new MemoryCacheEntryOptions { Size = bytes.Length, SlidingExpiration = Idle });
    }

    public void Dispose() => _bytes.Dispose();
}
