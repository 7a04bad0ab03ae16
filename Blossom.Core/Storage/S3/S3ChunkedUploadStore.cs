using System.Runtime.CompilerServices;
using Amazon.S3.Model;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;

namespace Blossom.Core.Storage.S3;

/// <summary>
/// The chunks of chunked uploads (BUD-14) as objects <c>&lt;Prefix&gt;partial/&lt;id&gt;/&lt;offset&gt;-&lt;guid&gt;</c>
/// in the blob store's bucket, so any node can take the next chunk of an upload and any node can finish it.
/// A chunk is received into a local temp file and sent as the blob store sends a blob, so the bucket only
/// ever shows whole chunks. The finished blob is read back from the chunks once, range by range, into a
/// pending write of the blob store: unlike on a file system, S3 cannot append to an object, so the bytes
/// cross the network twice more (the chunk objects stay until the blob is committed).
/// </summary>
public sealed class S3ChunkedUploadStore(S3BlobStore blobs) : IChunkedUploadStore
{
    /// <summary>The folder under the store's prefix; the blob store's listing (one level, hashes only) never sees it.</summary>
    public const string Folder = "partial/";

    private string Root => blobs.Settings.Prefix + Folder;

    /// <summary>Aborts multipart uploads of chunks that a process which died left; the chunks already stored stay.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken) =>
        blobs.AbortStaleUploadsAsync(Root, _ => true, cancellationToken);

    public async Task<StoredChunk> WriteChunkAsync(string id, long offset, long length, Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        // The offset first, zero-padded: a listing shows an upload's chunks in order.
        var part = $"{offset:D20}-{Guid.NewGuid():N}";
        var key = FolderOf(id) + part;
        var path = blobs.NewTempPath();
        try
        {
            using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous))
                await StreamCopy.CopyAsync(body, handle, 0, length, null, cancellationToken);
            await blobs.UploadFileAsync(path, key, length, cancellationToken);
            return new StoredChunk(offset, length, part);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public async Task<(IPendingBlob Pending, ReceivedBlob Received)> AssembleAsync(string id, long length, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var ranges = StoredChunks.Cover(chunks, 0, length).Select(r => new ChunkRange(r.Chunk.Part, r.From - r.Chunk.Offset, r.Count)).ToList();
        var source = new ChunkRangesStream(blobs, FolderOf(id), ranges);
        await using (source)
        {
            var pending = await blobs.BeginWriteAsync(expectedSha256: null, cancellationToken);
            try
            {
                var received = await pending.ReceiveAsync(source, length, cancellationToken);
                return (pending, received);
            }
            catch
            {
                await pending.DisposeAsync();
                throw;
            }
        }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = blobs.Settings.Bucket, Prefix = FolderOf(id) };
        do
        {
            // A page holds at most 1000 keys, as many as one multi-object delete takes.
            var page = await blobs.Client.ListObjectsV2Async(request, cancellationToken);
            if (page.S3Objects is { Count: > 0 } objects)
            {
                await blobs.Client.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = blobs.Settings.Bucket,
                    Objects = [.. objects.Select(o => new KeyVersion { Key = o.Key })],
                    Quiet = true,
                }, cancellationToken);
            }
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
    }

    /// <summary>Each upload with chunks in the bucket once, with its newest chunk's time; the listing's key order keeps an upload's chunks together.</summary>
    public async IAsyncEnumerable<StoredChunkedUpload> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = blobs.Settings.Bucket, Prefix = Root };
        StoredChunkedUpload? current = null;
        do
        {
            var page = await blobs.Client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                var rest = item.Key[Root.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                var id = slash < 0 ? "" : rest[..slash];
                if (!ChunkedUpload.IsValidId(id))
                    continue;
                var modified = item.LastModified is { } time ? new DateTimeOffset(time.ToUniversalTime()) : DateTimeOffset.UnixEpoch;
                if (current is not null && current.Id != id)
                {
                    yield return current;
                    current = null;
                }
                current = current is null || modified > current.LastModified ? new StoredChunkedUpload(id, modified) : current;
            }
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
        if (current is not null)
            yield return current;
    }

    private string FolderOf(string id)
    {
        if (!ChunkedUpload.IsValidId(id))
            throw new ArgumentException("Not the id of a partial upload.", nameof(id));
        return $"{Root}{id}/";
    }

    /// <summary><see cref="Count"/> bytes from <see cref="From"/> of the chunk object <see cref="Part"/>.</summary>
    private readonly record struct ChunkRange(string Part, long From, long Count);

    /// <summary>The finished blob's bytes: the ranges, each one ranged GET after the other, so memory stays one buffer whatever the size.</summary>
    private sealed class ChunkRangesStream(S3BlobStore blobs, string folder, List<ChunkRange> ranges) : ReadOnlyStream
    {
        private int _next;
        private Stream? _current;
        private long _remaining;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
                return 0;
            while (true)
            {
                if (_current is null)
                {
                    if (_next == ranges.Count)
                        return 0;
                    var range = ranges[_next++];
                    _current = await blobs.OpenRangeAsync(folder + range.Part, range.From, range.Count, cancellationToken);
                    _remaining = range.Count;
                }
                var read = _remaining == 0 ? 0 : await _current.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken);
                if (read > 0)
                {
                    _remaining -= read;
                    return read;
                }
                // A chunk object shorter than recorded would shift every byte after it; the hash would
                // catch that, but this says where.
                if (_remaining > 0)
                    throw new InvalidDataException($"The chunk {ranges[_next - 1].Part} of the upload ended {_remaining} bytes early.");
                await _current.DisposeAsync();
                _current = null;
            }
        }

        // Every read is a network read: only the asynchronous ones are offered.
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

        public override async ValueTask DisposeAsync()
        {
            if (_current is not null)
                await _current.DisposeAsync();
            _current = null;
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _current?.Dispose();
            _current = null;
            base.Dispose(disposing);
        }
    }
}
