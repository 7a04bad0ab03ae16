namespace Blossom.Core.Blobs;

/// <summary>
/// Reads <paramref name="source"/> and keeps a copy of its first <paramref name="headLength"/> bytes
/// as they pass, so the ingest learns a blob's signature (<see cref="ContentSignatures"/>) while
/// hashing it, without reading the stored blob again.
/// </summary>
public sealed class HeadRecordingStream(Stream source, int headLength) : ReadOnlyStream
{
    private readonly byte[] _head = new byte[headLength];
    private int _recorded;

    /// <summary>The leading bytes read so far, at most the head's length.</summary>
    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _recorded);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await source.ReadAsync(buffer, cancellationToken);
        Record(buffer.Span[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = source.Read(buffer, offset, count);
        Record(buffer.AsSpan(offset, read));
        return read;
    }

    private void Record(ReadOnlySpan<byte> read)
    {
        var take = Math.Min(read.Length, _head.Length - _recorded);
        read[..take].CopyTo(_head.AsSpan(_recorded));
        _recorded += take;
    }
}
