using System.Buffers;
using System.Security.Cryptography;
using Blossom.Core.Blobs;

namespace Blossom.Core.Storage.FileSystem;

/// <summary>
/// Blobs as files sharded by hash (<c>ab/cd/abcd…</c>). Uploads are written to <c>.tmp</c> inside
/// the same folder, so the final move is an atomic rename on the same file system.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    // Large enough that per-call costs vanish, small enough that two per upload cost little memory.
    private const int BufferSize = 1024 * 1024;
    private readonly string _root;
    private readonly string _temp;

    public FileSystemBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _temp = Path.Combine(_root, ".tmp");
    }

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_temp);
        // Any file here belongs to an upload that died with an earlier process: no blob depends on it.
        foreach (var leftover in Directory.EnumerateFiles(_temp))
            File.Delete(leftover);
        return Task.CompletedTask;
    }

    public Task<IPendingBlob> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None);
        return Task.FromResult<IPendingBlob>(new PendingFile(this, path, handle));
    }

    public Task<BlobContent?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } requested)
            ArgumentOutOfRangeException.ThrowIfNegative(requested);
        FileStream file;
        try
        {
            // Sharing Delete lets a delete unlink the name while this reader keeps the bytes; unbuffered,
            // as every reader copies in large blocks of its own.
            file = new FileStream(PathOf(sha256), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<BlobContent?>(null);
        }
        var total = file.Length;
        if (offset == 0 && length is null)
            return Task.FromResult<BlobContent?>(new BlobContent(file, total));
        if (offset > total)
        {
            file.Dispose();
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset lies past the blob's end.");
        }
        file.Position = offset;
        return Task.FromResult<BlobContent?>(new BlobContent(new RangeStream(file, Math.Min(length ?? long.MaxValue, total - offset)), total));
    }

    public Task<long?> LengthAsync(string sha256, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(sha256));
        return Task.FromResult(info.Exists ? info.Length : (long?)null);
    }

    /// <summary>The blob's own file: nothing to copy, nothing to remove afterwards.</summary>
    public Task<ILocalBlobFile?> GetLocalFileAsync(string sha256, CancellationToken cancellationToken)
    {
        var path = PathOf(sha256);
        return Task.FromResult<ILocalBlobFile?>(File.Exists(path) ? new StoredFile(path) : null);
    }

    public IAsyncEnumerable<StoredBlob> EnumerateAsync(CancellationToken cancellationToken) =>
        new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories)
            // Only names a commit gives: temp files and probes are not blobs, nor is a stray file elsewhere.
            .Where(f => BlobHash.IsValid(f.Name) && f.FullName == PathOf(f.Name))
            .Select(f => new StoredBlob(f.Name, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
            .ToAsyncEnumerable();

    public Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path))
            return Task.FromResult(false);
        File.Delete(path);
        return Task.FromResult(true);
    }

    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(_temp, "probe-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(probe, [1], cancellationToken).ConfigureAwait(false);
        File.Delete(probe);
    }

    private string PathOf(string sha256)
    {
        if (!BlobHash.IsValid(sha256))
            throw new ArgumentException("Not a lowercase hex SHA-256.", nameof(sha256));
        return Path.Combine(_root, sha256[..2], sha256[2..4], sha256);
    }

    private sealed class StoredFile(string path) : ILocalBlobFile
    {
        public string Path { get; } = path;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A forward-only window of <paramref name="length"/> bytes from a file's current position.</summary>
    private sealed class RangeStream(FileStream file, long length) : Stream
    {
        private long _remaining = length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = file.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
            _remaining -= read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await file.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
            _remaining -= read;
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                file.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class PendingFile(FileSystemBlobStore store, string tempPath, Microsoft.Win32.SafeHandles.SafeFileHandle handle) : IPendingBlob
    {
        private ReceivedBlob? _received;
        private bool _moved;

        public async Task<ReceivedBlob> ReceiveAsync(Stream source, long maxLength, CancellationToken cancellationToken)
        {
            if (_received is not null)
                throw new InvalidOperationException("A pending blob receives its bytes once.");
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            // Two buffers: while one is written to disk on the thread pool, the next is read and
            // hashed here, so the disk write overlaps the network and the hash instead of following them.
            byte[][] buffers = [ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize)];
            var writing = Task.CompletedTask;
            try
            {
                long length = 0;
                for (var current = 0; ; current ^= 1)
                {
                    var buffer = buffers[current];
                    var read = await source.ReadAtLeastAsync(buffer.AsMemory(0, BufferSize), BufferSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                        break;
                    length += read;
                    if (length > maxLength)
                        throw new BlobTooLargeException(maxLength);
                    sha256.AppendData(buffer, 0, read);
                    await writing.ConfigureAwait(false);
                    var offset = length - read;
                    writing = Task.Run(() => RandomAccess.Write(handle, buffer.AsSpan(0, read), offset), cancellationToken);
                }
                await writing.ConfigureAwait(false);
                // The bytes must be on disk before the rename makes them a blob.
                RandomAccess.FlushToDisk(handle);
                _received = new ReceivedBlob(Convert.ToHexStringLower(sha256.GetHashAndReset()), length);
                return _received;
            }
            finally
            {
                // A write still running owns its buffer; its failure, if any, is not this one's cause.
                await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                foreach (var buffer in buffers)
                    ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public Task<bool> CommitAsync(CancellationToken cancellationToken)
        {
            var received = _received ?? throw new InvalidOperationException("Nothing was received.");
            handle.Dispose();
            var target = store.PathOf(received.Sha256);
            if (File.Exists(target))
                return Task.FromResult(false);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                File.Move(tempPath, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another upload of the same bytes won the rename; its file is identical to ours.
                return Task.FromResult(false);
            }
            _moved = true;
            return Task.FromResult(true);
        }

        public ValueTask DisposeAsync()
        {
            handle.Dispose();
            if (!_moved)
                File.Delete(tempPath);
            return ValueTask.CompletedTask;
        }
    }
}
