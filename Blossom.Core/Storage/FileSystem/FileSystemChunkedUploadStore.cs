using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.Win32.SafeHandles;
using static Blossom.Core.Storage.StreamCopy;

namespace Blossom.Core.Storage.FileSystem;

/// <summary>
/// Chunks of chunked uploads in <c>.tmp/partial/&lt;id&gt;/</c> of the blob store, which its start-up
/// sweep leaves alone, so they survive a restart. Chunks sent in order grow one file, the spine, which is
/// hashed as it grows and becomes the blob by a rename: in order, no byte is read twice. Any other chunk
/// (ahead of the spine's end, or arriving while another chunk appends) is a file of its own, copied into
/// the spine when the upload completes.
/// </summary>
/// <remarks>
/// The blob is committed under the hash computed here, so that hash must describe exactly the bytes that
/// are renamed: a spine has one appender at a time, all in the process that created it (its name is unique,
/// so no other process or later upload of the same hash writes into it), bytes below its end are skipped,
/// never rewritten, and a failed append is cut off again. The running hash lives in that process only: a
/// completion elsewhere, or after a restart, copies every piece into a new file while hashing it, and a
/// spine without its process does not grow. Its bytes below its recorded end never change, so any process
/// may read them.
/// </remarks>
public sealed class FileSystemChunkedUploadStore(FileSystemBlobStore blobs, BlossomMetrics metrics) : IChunkedUploadStore
{
    /// <summary>How the names of spines start; a spine's byte <c>n</c> is byte <c>n</c> of the upload.</summary>
    public const string SpinePrefix = "spine-";

    private const int BufferSize = 1024 * 1024;

    private readonly string _root = Path.Combine(blobs.TempPath, "partial");
    private readonly Dictionary<string, Spine> _spines = new(StringComparer.Ordinal);
    private readonly Lock _spinesLock = new();

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task<StoredChunk> WriteChunkAsync(string id, long offset, long length, Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Directory.CreateDirectory(FolderOf(id));
        if (EnterSpine(id, offset) is { } spine)
        {
            try
            {
                return await AppendAsync(spine, offset, length, body, cancellationToken);
            }
            finally
            {
                spine.Exit();
            }
        }
        var name = $"{offset.ToString("D20", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";
        var path = Path.Combine(FolderOf(id), name);
        try
        {
            using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
            await CopyAsync(body, file, 0, length, null, cancellationToken);
            RandomAccess.FlushToDisk(file);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        return new StoredChunk(offset, length, name);
    }

    public async Task<(IPendingBlob Pending, ReceivedBlob Received)> AssembleAsync(string id, long length, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        Spine? spine;
        lock (_spinesLock)
        {
            if (_spines.Remove(id, out spine))
                spine.Retire();
        }
        if (spine is null)
            return await RebuildAsync(id, length, chunks, cancellationToken);
        using (spine)
        {
            await spine.IdleAsync();
            return chunks.Any(c => c.Part == spine.Name)
                ? await CompleteSpineAsync(id, spine, length, chunks, cancellationToken)
                : await RebuildAsync(id, length, chunks, cancellationToken);
        }
    }

    /// <summary>
    /// This process's spine, its hash continued: cut to what is recorded of it, then the pieces it lacks
    /// appended from the other chunks. Chunks that came in order are not read again.
    /// </summary>
    private async Task<(IPendingBlob Pending, ReceivedBlob Received)> CompleteSpineAsync(string id, Spine spine, long length, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
    {
        var covered = chunks.Where(c => c.Part == spine.Name).Max(c => c.End);
        // Past the recorded end lie bytes nobody counts on (an append whose record failed): they go first,
        // so that whatever the hash describes is exactly what the file holds.
        RandomAccess.SetLength(spine.File, covered);
        IncrementalHash hash;
        if (spine.Hash is { } running && spine.End == covered)
        {
            hash = running;
            spine.Hash = null;
        }
        else
        {
            hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await HashAsync(spine.File, covered, hash, cancellationToken);
            metrics.ChunkedUploadBytesReread(covered);
        }
        using (hash)
        {
            await CopyPiecesAsync(id, spine.File, StoredChunks.Cover(chunks.Where(c => c.Part != spine.Name), covered, length), hash, cancellationToken);
            RandomAccess.FlushToDisk(spine.File);
            var received = new ReceivedBlob(Convert.ToHexStringLower(hash.GetHashAndReset()), length);
            return (blobs.Adopt(Path.Combine(FolderOf(id), spine.Name), received), received);
        }
    }

    /// <summary>
    /// The blob copied from its chunks into a new file while hashing it: when the spine's process is gone
    /// (a restart) or is another node, whose spine may still be appended to past what is recorded of it.
    /// </summary>
    private async Task<(IPendingBlob Pending, ReceivedBlob Received)> RebuildAsync(string id, long length, IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
    {
        // An empty upload had no chunk that made its folder.
        var path = Path.Combine(Directory.CreateDirectory(FolderOf(id)).FullName, $"blob-{Guid.NewGuid():N}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
            await CopyPiecesAsync(id, file, StoredChunks.Cover(chunks, 0, length), hash, cancellationToken);
            RandomAccess.FlushToDisk(file);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        var received = new ReceivedBlob(Convert.ToHexStringLower(hash.GetHashAndReset()), length);
        return (blobs.Adopt(path, received), received);
    }

    /// <summary>Copies each piece from its chunk's file to the same position of <paramref name="target"/>, hashing it.</summary>
    private async Task CopyPiecesAsync(string id, SafeFileHandle target, IEnumerable<(StoredChunk Chunk, long From, long Count)> pieces, IncrementalHash hash, CancellationToken cancellationToken)
    {
        foreach (var (chunk, from, count) in pieces)
        {
            using var source = new FileStream(Path.Combine(FolderOf(id), chunk.Part), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            source.Position = chunk.Part.StartsWith(SpinePrefix, StringComparison.Ordinal) ? from : from - chunk.Offset;
            await CopyAsync(source, target, from, count, hash, cancellationToken);
            metrics.ChunkedUploadBytesReread(count);
        }
    }

    public Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        lock (_spinesLock)
        {
            // An append under way keeps writing into the unlinked file, which goes with its last handle.
            if (_spines.Remove(id, out var spine))
                spine.Retire(disposeWhenIdle: true);
        }
        var folder = FolderOf(id);
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredChunkedUpload> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ForgetVanishedSpines();
        if (!Directory.Exists(_root))
            yield break;
        foreach (var folder in new DirectoryInfo(_root).EnumerateDirectories())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ChunkedUpload.IsValidId(folder.Name))
                continue;
            DateTime written;
            try
            {
                written = folder.EnumerateFiles().Select(f => f.LastWriteTimeUtc).Append(folder.LastWriteTimeUtc).Max();
            }
            catch (DirectoryNotFoundException)
            {
                // Completed or discarded while listed.
                continue;
            }
            yield return new StoredChunkedUpload(folder.Name, new DateTimeOffset(written, TimeSpan.Zero));
        }
    }

    /// <summary>
    /// Lets go of the spines whose folder another process removed (it completed or discarded their upload),
    /// which nothing here would ask for again; the sweep's listing comes here regularly.
    /// </summary>
    private void ForgetVanishedSpines()
    {
        lock (_spinesLock)
        {
            foreach (var (id, spine) in _spines.Where(s => Vanished(s.Key, s.Value)).ToList())
            {
                _spines.Remove(id);
                spine.Retire(disposeWhenIdle: true);
            }
        }
    }

    private bool Vanished(string id, Spine spine) => !File.Exists(Path.Combine(FolderOf(id), spine.Name));

    /// <summary>
    /// The spine, held for this append, when the chunk starts at or before its end and no other chunk
    /// appends to it; a chunk at 0 of an upload without a spine in this process starts one. Null: the chunk
    /// gets a file.
    /// </summary>
    private Spine? EnterSpine(string id, long offset)
    {
        lock (_spinesLock)
        {
            if (_spines.TryGetValue(id, out var spine))
            {
                // Another process removed the upload's folder: the spine is of an upload that is gone.
                if (Vanished(id, spine))
                {
                    _spines.Remove(id);
                    spine.Retire(disposeWhenIdle: true);
                }
                else if (!spine.TryEnter())
                {
                    return null;
                }
                else if (offset <= spine.End)
                {
                    return spine;
                }
                else
                {
                    spine.Exit();
                    return null;
                }
            }
            if (offset != 0)
                return null;
            var name = $"{SpinePrefix}{Guid.NewGuid():N}";
            spine = new Spine(name, File.OpenHandle(Path.Combine(FolderOf(id), name), FileMode.CreateNew, FileAccess.ReadWrite));
            spine.TryEnter();
            _spines.Add(id, spine);
            return spine;
        }
    }

    /// <summary>
    /// Appends what of the chunk lies past the spine's end, hashing it into a copy of the running hash that
    /// replaces it only once every byte is written and flushed; a failed append is cut off again. What is
    /// recorded is the whole spine, [0, end), which holds the chunk: bytes below the end were there already.
    /// </summary>
    private static async Task<StoredChunk> AppendAsync(Spine spine, long offset, long length, Stream body, CancellationToken cancellationToken)
    {
        var skipped = Math.Min(spine.End - offset, length);
        await CopyAsync(body, null, 0, skipped, null, cancellationToken);
        var appended = length - skipped;
        if (appended > 0)
        {
            var hash = spine.Hash?.Clone();
            try
            {
                await CopyAsync(body, spine.File, spine.End, appended, hash, cancellationToken);
                RandomAccess.FlushToDisk(spine.File);
            }
            catch
            {
                hash?.Dispose();
                try
                {
                    RandomAccess.SetLength(spine.File, spine.End);
                }
                catch (IOException)
                {
                    // The bytes past the end stay; the completion cuts them off, as it does after a crash.
                }
                throw;
            }
            spine.Hash?.Dispose();
            spine.Hash = hash;
            spine.End += appended;
        }
        return new StoredChunk(0, spine.End, spine.Name);
    }

    /// <summary>Hashes the first <paramref name="count"/> bytes of <paramref name="file"/>.</summary>
    private static async Task HashAsync(SafeFileHandle file, long count, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            for (long done = 0; done < count;)
            {
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(BufferSize, count - done)), done, cancellationToken);
                if (read == 0)
                    throw new EndOfStreamException("The spine is shorter than its length.");
                hash.AppendData(buffer, 0, read);
                done += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string FolderOf(string id) =>
        ChunkedUpload.IsValidId(id) ? Path.Combine(_root, id) : throw new ArgumentException("Not the id of a partial upload.", nameof(id));

    /// <summary>
    /// The growing file of an upload's in-order bytes, its running hash and its end, entered by one
    /// appender at a time. Retired when the upload completes or goes; its file handle is closed by whoever
    /// leaves it last.
    /// </summary>
    private sealed class Spine(string name, SafeFileHandle file) : IDisposable
    {
        private readonly Lock _lock = new();
        private bool _busy;
        private bool _retired;
        private bool _disposeWhenIdle;
        private TaskCompletionSource? _idle;

        public string Name { get; } = name;

        public SafeFileHandle File { get; } = file;

        /// <summary>The SHA-256 of exactly bytes [0, <see cref="End"/>) of the file.</summary>
        public IncrementalHash? Hash { get; set; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long End { get; set; }

        public bool TryEnter()
        {
            lock (_lock)
            {
                if (_busy || _retired)
                    return false;
                _busy = true;
                return true;
            }
        }

        public void Exit()
        {
            TaskCompletionSource? idle;
            bool dispose;
            lock (_lock)
            {
                _busy = false;
                idle = _idle;
                dispose = _disposeWhenIdle;
            }
            idle?.TrySetResult();
            if (dispose)
                Dispose();
        }

        /// <summary>Lets no appender in any more; with <paramref name="disposeWhenIdle"/>, nobody uses the spine after the current appender.</summary>
        public void Retire(bool disposeWhenIdle = false)
        {
            bool dispose;
            lock (_lock)
            {
                _retired = true;
                _disposeWhenIdle = disposeWhenIdle && _busy;
                dispose = disposeWhenIdle && !_busy;
                if (_busy)
                    _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            if (dispose)
                Dispose();
        }

        /// <summary>Completes once a retired spine's last appender left.</summary>
        public Task IdleAsync()
        {
            lock (_lock)
                return _idle?.Task ?? Task.CompletedTask;
        }

        public void Dispose()
        {
            Hash?.Dispose();
            File.Dispose();
        }
    }
}
