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
/// Chunks of partial uploads in <c>.tmp/partial/&lt;sha256&gt;/</c> of the blob store, which its start-up
/// sweep leaves alone, so they survive a restart. Chunks sent in order grow one file, the spine, which is
/// hashed as it grows and becomes the blob by a rename: in order, no byte is read twice. Any other chunk
/// (ahead of the spine's end, or arriving while another chunk appends) is a file of its own, copied into
/// the spine when the upload completes.
/// </summary>
/// <remarks>
/// The spine's hash must describe exactly its bytes, since the blob is committed under it: one appender at a
/// time, bytes below the spine's end are skipped, never rewritten, and a failed append is cut off again. The
/// running hash lives in this process only; after a restart the spine stops growing and is hashed anew when
/// the upload completes.
/// </remarks>
public sealed class FileSystemPartialUploadStore(FileSystemBlobStore blobs, BlossomMetrics metrics) : IPartialUploadStore
{
    /// <summary>The part name of bytes held in the spine.</summary>
    public const string SpinePart = "spine";

    private const int BufferSize = 1024 * 1024;

    private readonly string _root = Path.Combine(blobs.TempPath, "partial");
    private readonly Dictionary<string, Spine> _spines = new(StringComparer.Ordinal);
    private readonly Lock _spinesLock = new();

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task<PartialChunk> WriteChunkAsync(string sha256, long offset, long length, Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Directory.CreateDirectory(FolderOf(sha256));
        if (EnterSpine(sha256, offset) is { } spine)
        {
            try
            {
                return await AppendAsync(spine, offset, length, body, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                spine.Exit();
            }
        }
        var name = $"{offset.ToString("D20", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";
        var path = Path.Combine(FolderOf(sha256), name);
        try
        {
            using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
            await CopyAsync(body, file, 0, length, null, cancellationToken).ConfigureAwait(false);
            RandomAccess.FlushToDisk(file);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        return new PartialChunk(offset, length, name);
    }

    public async Task<(IPendingBlob Pending, ReceivedBlob Received)> AssembleAsync(string sha256, long length, IReadOnlyList<PartialChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        Spine? spine;
        lock (_spinesLock)
        {
            if (_spines.Remove(sha256, out spine))
                spine.Retire();
        }
        if (spine is not null)
            await spine.IdleAsync().ConfigureAwait(false);
        var path = SpinePathOf(sha256);
        var covered = chunks.Where(c => c.Part == SpinePart).Select(c => c.End).DefaultIfEmpty(0).Max();
        var file = spine?.File ?? File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
        try
        {
            // Past the recorded end lie bytes nobody counts on (a failed append, a crash): they go first, so
            // that whatever the hash describes is exactly what the file holds.
            RandomAccess.SetLength(file, covered);
            // The running hash serves only when it describes exactly the recorded bytes; otherwise (a restart,
            // a chunk whose record failed) the spine is hashed again up to what is recorded.
            IncrementalHash hash;
            if (spine?.Hash is { } running && spine.End == covered)
            {
                hash = running;
                spine.Hash = null;
            }
            else
            {
                hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await HashAsync(file, covered, hash, cancellationToken).ConfigureAwait(false);
                metrics.PartialBytesReread(covered);
            }
            using (hash)
            {
                foreach (var (chunk, from, count) in PartialChunks.Cover(chunks.Where(c => c.Part != SpinePart), covered, length))
                {
                    using var source = new FileStream(Path.Combine(FolderOf(sha256), chunk.Part), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
                    source.Position = from - chunk.Offset;
                    await CopyAsync(source, file, from, count, hash, cancellationToken).ConfigureAwait(false);
                    metrics.PartialBytesReread(count);
                }
                RandomAccess.FlushToDisk(file);
                var received = new ReceivedBlob(Convert.ToHexStringLower(hash.GetHashAndReset()), length);
                return (blobs.Adopt(path, received), received);
            }
        }
        finally
        {
            if (spine is null)
                file.Dispose();
            else
                spine.Dispose();
        }
    }

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        lock (_spinesLock)
        {
            // An append under way keeps writing into the unlinked file, which goes with its last handle.
            if (_spines.Remove(sha256, out var spine))
                spine.Retire(disposeWhenIdle: true);
        }
        var folder = FolderOf(sha256);
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredBlob> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
            yield break;
        foreach (var folder in new DirectoryInfo(_root).EnumerateDirectories())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!BlobHash.IsValid(folder.Name))
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
            yield return new StoredBlob(folder.Name, new DateTimeOffset(written, TimeSpan.Zero));
        }
    }

    /// <summary>
    /// The spine, held for this append, when the chunk starts at or before its end and no other chunk
    /// appends to it; a chunk at 0 of an upload without a spine starts one. Null: the chunk gets a file.
    /// </summary>
    private Spine? EnterSpine(string sha256, long offset)
    {
        lock (_spinesLock)
        {
            if (_spines.TryGetValue(sha256, out var spine))
            {
                if (!spine.TryEnter())
                    return null;
                if (offset <= spine.End)
                    return spine;
                spine.Exit();
                return null;
            }
            // A spine without its running hash (written before a restart) does not grow.
            var path = SpinePathOf(sha256);
            if (offset != 0 || File.Exists(path))
                return null;
            spine = new Spine(File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite));
            spine.TryEnter();
            _spines.Add(sha256, spine);
            return spine;
        }
    }

    /// <summary>
    /// Appends what of the chunk lies past the spine's end, hashing it into a copy of the running hash that
    /// replaces it only once every byte is written and flushed; a failed append is cut off again. The chunk
    /// is recorded whole: the bytes below the end were in the spine already.
    /// </summary>
    private static async Task<PartialChunk> AppendAsync(Spine spine, long offset, long length, Stream body, CancellationToken cancellationToken)
    {
        var skipped = Math.Min(spine.End - offset, length);
        await CopyAsync(body, null, 0, skipped, null, cancellationToken).ConfigureAwait(false);
        var appended = length - skipped;
        if (appended > 0)
        {
            var hash = spine.Hash?.Clone();
            try
            {
                await CopyAsync(body, spine.File, spine.End, appended, hash, cancellationToken).ConfigureAwait(false);
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
        return new PartialChunk(offset, length, SpinePart);
    }

    /// <summary>Hashes the first <paramref name="count"/> bytes of <paramref name="file"/>.</summary>
    private static async Task HashAsync(SafeFileHandle file, long count, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            for (long done = 0; done < count;)
            {
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(BufferSize, count - done)), done, cancellationToken).ConfigureAwait(false);
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

    private string FolderOf(string sha256) =>
        BlobHash.IsValid(sha256) ? Path.Combine(_root, sha256) : throw new ArgumentException("Not a lowercase hex SHA-256.", nameof(sha256));

    private string SpinePathOf(string sha256) => Path.Combine(FolderOf(sha256), SpinePart);

    /// <summary>
    /// The growing file of an upload's in-order bytes, its running hash and its end, entered by one
    /// appender at a time. Retired when the upload completes or goes; its file handle is closed by whoever
    /// leaves it last.
    /// </summary>
    private sealed class Spine(SafeFileHandle file) : IDisposable
    {
        private readonly Lock _lock = new();
        private bool _busy;
        private bool _retired;
        private bool _disposeWhenIdle;
        private TaskCompletionSource? _idle;

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
