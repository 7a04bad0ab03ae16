using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Blossom.Core.Previews;

/// <summary>
/// Sources waiting for their default preview (<c>Previews:Eager</c>). Small and lossy on purpose: a
/// source that finds the queue full, or whose preview fails, gets it on first request instead, and
/// a source already waiting is not queued twice.
/// </summary>
public sealed class EagerPreviews
{
    public const int Capacity = 256;

    private readonly Channel<string> _sources = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly ConcurrentDictionary<string, byte> _waiting = new(StringComparer.Ordinal);

    /// <summary>Queues a source; false when it was waiting already or the queue is full.</summary>
    public bool Enqueue(string sha256)
    {
        if (!_waiting.TryAdd(sha256, 0))
            return false;
        if (_sources.Writer.TryWrite(sha256))
            return true;
        _waiting.TryRemove(sha256, out _);
        return false;
    }

    public async IAsyncEnumerable<string> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var sha256 in _sources.Reader.ReadAllAsync(cancellationToken))
        {
            _waiting.TryRemove(sha256, out _);
            yield return sha256;
        }
    }
}
