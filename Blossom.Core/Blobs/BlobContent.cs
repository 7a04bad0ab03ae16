namespace Blossom.Core.Blobs;

/// <summary>
/// Bytes read from a stored blob: a stream of the requested range, and the whole blob's length
/// (what a range answer and its refusal need). Whoever opened it disposes it.
/// </summary>
public sealed class BlobContent(Stream stream, long length) : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// The range's bytes, from its first. A store reading a local file hands out the file itself
    /// when the whole blob was asked for: seekable, so ranges can be served from it directly.
    /// </summary>
    public Stream Stream { get; } = stream;

    /// <summary>The whole blob's length, whatever range <see cref="Stream"/> holds.</summary>
    public long Length { get; } = length;

    public ValueTask DisposeAsync() => Stream.DisposeAsync();

    public void Dispose() => Stream.Dispose();
}
