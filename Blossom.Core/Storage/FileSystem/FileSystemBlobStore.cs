using System.Runtime.CompilerServices;
using Blossom.Core.Blobs;
using Blossom.Core.Data;

namespace Blossom.Core.Storage.FileSystem;

/// <summary>
/// Blobs as files sharded by hash (<c>ab/cd/abcd…</c>). Uploads are written to <c>.tmp</c> inside
/// the same folder, so the final move is an atomic rename on the same file system.
/// </summary>
/// <remarks>
/// A commit is durable against a power loss, in this order: the file's bytes are fsynced before the
/// rename (so the name can never point at a torn file), then the rename is made durable by an fsync
/// of the folder that holds the new name (and of the folders above it that the commit created), and
/// only then does the caller add the index row (itself a durable commit) and answer. A loss at any
/// point before the row leaves at most a file without a row, which the orphan sweep removes; a
/// temp file is never served and goes at the next start. Concurrent commits share the folder fsyncs:
/// on a journalling file system the first fsync of a batch commits the journal for every rename made
/// before it, so the rest of the batch costs little.
/// </remarks>
public sealed class FileSystemBlobStore : IBlobStore, IBlobFolder
{
    private readonly string _root;
    private readonly string _temp;
    private readonly GroupCommit<IReadOnlyList<string>, bool> _folderSyncs;

    public FileSystemBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _temp = Path.Combine(_root, ".tmp");
        _folderSyncs = new(folders =>
        {
            DirectorySync.Sync(folders.SelectMany(f => f));
            return Task.FromResult<IReadOnlyList<bool>>([.. folders.Select(_ => true)]);
        });
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

    /// <summary>The bytes go to a temp file either way: a rename is all a commit costs here, so knowing the hash early gains nothing.</summary>
    public Task<IPendingBlob> BeginWriteAsync(string? expectedSha256, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None);
        return Task.FromResult<IPendingBlob>(new PendingFile(this, path, handle, expectedSha256));
    }

    /// <summary>
    /// Takes a finished file under <see cref="TempPath"/> whose bytes are <paramref name="received"/> (written,
    /// hashed and flushed by its maker) as a pending blob: committing renames it, disposing without a commit deletes it.
    /// </summary>
    internal IPendingBlob Adopt(string path, ReceivedBlob received) => new PendingFile(this, path, null, null, received);

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
        await File.WriteAllBytesAsync(probe, [1], cancellationToken);
        File.Delete(probe);
    }

    public string RelativeUrlOf(string sha256) => string.Join('/', Shards(sha256));

    // On Unix DriveInfo asks statvfs about the path itself, so the folder need not be a mount point.
    public long FreeBytes() => new DriveInfo(_root).AvailableFreeSpace;

    private string PathOf(string sha256) => Path.Combine([_root, .. Shards(sha256)]);

    private static string[] Shards(string sha256)
    {
        if (!BlobHash.IsValid(sha256))
            throw new ArgumentException("Not a lowercase hex SHA-256.", nameof(sha256));
        return [sha256[..2], sha256[2..4], sha256];
    }

    private sealed class StoredFile(string path) : ILocalBlobFile
    {
        public string Path { get; } = path;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class PendingFile(FileSystemBlobStore store, string tempPath, Microsoft.Win32.SafeHandles.SafeFileHandle? handle, string? expectedSha256, ReceivedBlob? received = null) : IPendingBlob
    {
        private ReceivedBlob? _received = received;
        private bool _moved;

        public async Task<ReceivedBlob> ReceiveAsync(Stream source, long maxLength, CancellationToken cancellationToken)
        {
            if (_received is not null)
                throw new InvalidOperationException("A pending blob receives its bytes once.");
            _received = await HashingFileWriter.WriteAsync(handle!, source, maxLength, flushToDisk: true, written: null, cancellationToken);
            return _received;
        }

        public async Task<bool> CommitAsync(CancellationToken cancellationToken)
        {
            var received = _received ?? throw new InvalidOperationException("Nothing was received.");
            received.ThrowUnlessHashIs(expectedSha256);
            handle?.Dispose();
            var target = store.PathOf(received.Sha256);
            if (File.Exists(target))
                return false;
            var folder = Path.GetDirectoryName(target)!;
            // The folders to sync: the new name's, and each one this commit creates gets its own name in its parent.
            List<string> synced = [folder];
            for (var created = folder; !Directory.Exists(created) && created != store._root; created = Path.GetDirectoryName(created)!)
                synced.Add(Path.GetDirectoryName(created)!);
            Directory.CreateDirectory(folder);
            try
            {
                File.Move(tempPath, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another upload of the same bytes won the rename; its file is identical to ours.
                return false;
            }
            _moved = true;
            await store._folderSyncs.RunAsync(synced);
            return true;
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
