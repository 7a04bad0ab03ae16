using Blossom.Core.Blobs;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// Deterministic bytes produced on demand, so a test never holds a large blob either: byte <c>i</c>
/// of the blob is <c>i * 31 % 251</c>. <paramref name="start"/>: the stream is the blob's bytes from there.
/// </summary>
internal sealed class PatternStream(long length, long start = 0) : ReadOnlyStream
{
    private long _position;

    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < n; i++)
            buffer[i] = (byte)((start + _position + i) * 31 % 251);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
}
