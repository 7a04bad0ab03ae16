using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Blossom.Core.Blobs;

namespace Blossom.Core.Storage;

/// <summary>
/// Keeps blobs of up to <c>maxBytes</c> as rows of the database (<see cref="ISmallBlobTable"/>) and every larger
/// one in the store it wraps, untouched. A 1 KiB blob as a file costs an inode, an fsync of the file, a rename
/// and an fsync of its folder, most of it in the file system's inode allocation; as a row it costs its share of
/// one transaction that concurrent uploads commit together, as durable as the file (a synced commit).
/// </summary>
/// <remarks>
/// The length need not be known in advance: a write reads up to <c>maxBytes</c> + 1 bytes into a pooled buffer,
/// hashing them; when the body ends within it the blob is small, otherwise the bytes read so far and the rest go
/// to the inner store's own pending blob. Reads look in the table first (a primary-key lookup, little beside any
/// larger blob's transfer), then in the inner store, so blobs stored as files before the threshold changed, or
/// committed as files by chunked uploads, are still found; delete removes both.
/// </remarks>
public sealed class SmallBlobStore : IBlobStore
{
    private readonly IBlobStore _inner;
    private readonly ISmallBlobTable _table;
    private readonly int _maxBytes;
    private readonly string _tempFolder;

    /// <param name="inner">Where larger blobs live.</param>
    /// <param name="table">Where small blobs live.</param>
    /// <param name="maxBytes">The largest blob kept in the table; 0 sends every new blob to <paramref name="inner"/>.</param>
    /// <param name="tempFolder">Where copies for the media tools go: the inner store's temp folder, which its start-up empties.</param>
    public SmallBlobStore(IBlobStore inner, ISmallBlobTable table, int maxBytes, string tempFolder)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        (_inner, _table, _maxBytes, _tempFolder) = (inner, table, maxBytes, tempFolder);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => _inner.InitializeAsync(cancellationToken);

    public async Task<IPendingBlob> BeginWriteAsync(string? expectedSha256, CancellationToken cancellationToken) =>
        _maxBytes == 0 ? await _inner.BeginWriteAsync(expectedSha256, cancellationToken) : new PendingBlob(this, expectedSha256);

    public async Task<BlobContent?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } requested)
            ArgumentOutOfRangeException.ThrowIfNegative(requested);
        if (await _table.FindAsync(sha256, cancellationToken) is not { } bytes)
            return await _inner.OpenReadAsync(sha256, offset, length, cancellationToken);
        if (offset > bytes.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset lies past the blob's end.");
        var count = (int)Math.Min(length ?? long.MaxValue, bytes.Length - offset);
        return new BlobContent(new MemoryStream(bytes, (int)offset, count, writable: false), bytes.Length);
    }

    public async Task<long?> LengthAsync(string sha256, CancellationToken cancellationToken) =>
        await _table.LengthAsync(sha256, cancellationToken) ?? await _inner.LengthAsync(sha256, cancellationToken);

    /// <summary>A small blob as a temporary copy in the temp folder, removed on dispose; a larger one as the inner store hands it out.</summary>
    public async Task<ILocalBlobFile?> GetLocalFileAsync(string sha256, CancellationToken cancellationToken)
    {
        if (await _table.FindAsync(sha256, cancellationToken) is not { } bytes)
            return await _inner.GetLocalFileAsync(sha256, cancellationToken);
        Directory.CreateDirectory(_tempFolder);
        var path = Path.Combine(_tempFolder, "small-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(path, bytes, cancellationToken);
        return new TemporaryCopy(path);
    }

    /// <summary>Both places' blobs: a hash held in both (stored as a file, then again as a row) comes twice, which a sweep takes in its stride.</summary>
    public async IAsyncEnumerable<StoredBlob> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var blob in _inner.EnumerateAsync(cancellationToken))
            yield return blob;
        await foreach (var blob in _table.EnumerateAsync(cancellationToken))
            yield return blob;
    }

    public async Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        var row = await _table.DeleteAsync(sha256, cancellationToken);
        var file = await _inner.DeleteAsync(sha256, cancellationToken);
        return row || file;
    }

    /// <summary>The inner store's probe; the table's database has its own readiness check.</summary>
    public Task CheckWritableAsync(CancellationToken cancellationToken) => _inner.CheckWritableAsync(cancellationToken);

    private sealed class TemporaryCopy(string path) : ILocalBlobFile
    {
        public string Path { get; } = path;

        public ValueTask DisposeAsync()
        {
            File.Delete(Path);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A write that is small until more than the threshold arrived, and then the inner store's.</summary>
    private sealed class PendingBlob(SmallBlobStore store, string? expectedSha256) : IPendingBlob
    {
        private byte[]? _buffer;
        private ReceivedBlob? _small;
        private IPendingBlob? _large;

        public async Task<ReceivedBlob> ReceiveAsync(Stream source, long maxLength, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(source);
            if (_buffer is not null)
                throw new InvalidOperationException("A pending blob receives its bytes once.");
            // One byte past the threshold tells a small blob from a larger one without knowing the length first.
            var limit = store._maxBytes + 1;
            _buffer = ArrayPool<byte>.Shared.Rent(limit);
            var read = await source.ReadAtLeastAsync(_buffer.AsMemory(0, limit), limit, throwOnEndOfStream: false, cancellationToken);
            if (read < limit)
            {
                if (read > maxLength)
                    throw new BlobTooLargeException(maxLength);
                _small = new ReceivedBlob(Convert.ToHexStringLower(SHA256.HashData(_buffer.AsSpan(0, read))), read);
                return _small;
            }
            _large = await store._inner.BeginWriteAsync(expectedSha256, cancellationToken);
            return await _large.ReceiveAsync(new PrefixedStream(_buffer.AsMemory(0, read), source), maxLength, cancellationToken);
        }

        public Task<bool> CommitAsync(CancellationToken cancellationToken)
        {
            if (_large is not null)
                return _large.CommitAsync(cancellationToken);
            var received = _small ?? throw new InvalidOperationException("Nothing was received.");
            received.ThrowUnlessHashIs(expectedSha256);
            // A copy of its own: the pooled buffer goes back on dispose, while the row may still be in a batch.
            return store._table.AddAsync(received.Sha256, _buffer.AsSpan(0, (int)received.Size).ToArray());
        }

        public async ValueTask DisposeAsync()
        {
            if (_large is not null)
                await _large.DisposeAsync();
            if (_buffer is not null)
                ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
