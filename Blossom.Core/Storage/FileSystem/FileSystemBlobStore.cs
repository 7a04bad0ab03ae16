using System.Runtime.CompilerServices;
using Blossom.Core.Blobs;

namespace Blossom.Core.Storage.FileSystem;

/// <summary>
/// Blobs as files sharded by hash (<c>ab/cd/abcd…</c>). Uploads are written to <c>.tmp</c> inside
/// the same folder, so the final move is an atomic rename on the same file system.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private readonly string _root;
    private readonly string _temp;

    public FileSystemBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _temp = Path.Combine(_root, ".tmp");
    }

    /// <summary>The store's temp folder: on the same file system as the blobs, so a file there becomes a blob by a rename.</summary>
    internal string TempPath => _temp;

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

    /// <summary>
    /// Takes a finished file under <see cref="TempPath"/> whose bytes are <paramref name="received"/> (written,
    /// hashed and flushed by its maker) as a pending blob: committing renames it, disposing without a commit deletes it.
    /// </summary>
    internal IPendingBlob Adopt(string path, ReceivedBlob received) => new PendingFile(this, path, null, received);

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

    public async IAsyncEnumerable<StoredBlob> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Only names a commit gives: temp files and probes are not blobs, nor is a stray file elsewhere.
            if (BlobHash.IsValid(file.Name) && file.FullName == PathOf(file.Name))
                yield return new StoredBlob(file.Name, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
        }
    }

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

    private sealed class PendingFile(FileSystemBlobStore store, string tempPath, Microsoft.Win32.SafeHandles.SafeFileHandle? handle, ReceivedBlob? received = null) : IPendingBlob
    {
        private ReceivedBlob? _received = received;
        private bool _moved;

        public async Task<ReceivedBlob> ReceiveAsync(Stream source, long maxLength, CancellationToken cancellationToken)
        {
            if (_received is not null)
                throw new InvalidOperationException("A pending blob receives its bytes once.");
            _received = await HashingFileWriter.WriteAsync(handle!, source, maxLength, flushToDisk: true, cancellationToken).ConfigureAwait(false);
            return _received;
        }

        public Task<bool> CommitAsync(CancellationToken cancellationToken)
        {
            var received = _received ?? throw new InvalidOperationException("Nothing was received.");
            handle?.Dispose();
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
            handle?.Dispose();
            if (!_moved)
                File.Delete(tempPath);
            return ValueTask.CompletedTask;
        }
    }
}
