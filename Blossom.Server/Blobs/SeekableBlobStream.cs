using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// A stored blob as a seekable stream, for stores whose reads only go forward (an object store's
/// GET): the framework's range processing needs a length and seeks to a range's start, and this
/// answers that seek with a ranged read from there. Reads that continue where the last ended keep
/// the open read; HEAD and 304 answers read nothing. <paramref name="first"/>, when given, is a
/// read already open at <paramref name="firstOffset"/>; without it the first read opens one.
/// </summary>
internal sealed class SeekableBlobStream(IBlobReader blobs, string sha256, long length, BlobContent? first = null, long firstOffset = 0) : Stream
{
    private BlobContent? _content = first;
    // Where the open read stands, and where the next read is wanted.
    private long _contentPosition = firstOffset;
    private long _position = firstOffset;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length { get; } = length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= Length || buffer.IsEmpty)
            return 0;
        if (_content is null || _contentPosition != _position)
        {
            if (_content is not null)
                await _content.DisposeAsync();
            _content = null;
            _content = await blobs.OpenReadAsync(sha256, _position, null, cancellationToken)
                ?? throw new IOException("The blob was deleted while it was being sent.");
            _contentPosition = _position;
        }
        var read = await _content.Stream.ReadAsync(buffer, cancellationToken);
        _contentPosition += read;
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The framework copies file results asynchronously; blocking on a remote read is what this avoids.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _content?.Dispose();
        _content = null;
        base.Dispose(disposing);
    }
}
