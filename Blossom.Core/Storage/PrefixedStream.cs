using Blossom.Core.Blobs;

namespace Blossom.Core.Storage;

/// <summary>
/// Reads <paramref name="head"/> first, then the rest of <paramref name="rest"/>: a body whose first bytes
/// were already read (to learn whether it is small) handed on whole to a store that takes streams.
/// </summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> head, Stream rest) : ReadOnlyStream
{
    private ReadOnlyMemory<byte> _head = head;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_head.IsEmpty)
            return rest.Read(buffer);
        var count = Math.Min(buffer.Length, _head.Length);
        _head.Span[..count].CopyTo(buffer);
        _head = _head[count..];
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_head.IsEmpty)
            return rest.ReadAsync(buffer, cancellationToken);
        return ValueTask.FromResult(Read(buffer.Span));
    }
}
