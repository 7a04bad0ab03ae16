using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// A request body as the ingest reads it: without the caller's cancellation token. Kestrel ends a
/// pending read itself when the client goes (with the connection's error) or the server stops, so
/// no read waits forever; a read that the token cancels first instead leaves the body's reader in
/// the middle of a read, and Kestrel's draining of the body then fails and logs an error for what
/// is only a client that went away.
/// </summary>
internal sealed class RequestBodyStream(Stream body) : ReadOnlyStream
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        body.ReadAsync(buffer, CancellationToken.None);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        body.ReadAsync(buffer, offset, count, CancellationToken.None);

    // Kestrel refuses synchronous reads of a body; so does this.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read asynchronously.");
}
