using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Blossom.Core.Blobs;

/// <summary>
/// Receives a blob's bytes into a local file while hashing them: every store takes uploads this
/// way, so the hash is known, and the size limit enforced, before anything becomes a blob.
/// </summary>
public static partial class HashingFileWriter
{
    // Large enough that per-call costs vanish, small enough that two per upload cost little memory.
    private const int BufferSize = 1024 * 1024;

    // A file flushed at the end has its pages sent to disk in steps of this size while it arrives,
    // so the disk works during the upload instead of after it and the final flush finds little left.
    private const long WritebackStep = 8L * BufferSize;

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="handle"/> from offset 0, flushed to disk
    /// when <paramref name="flushToDisk"/> (the file itself becomes the blob).
    /// Throws <see cref="BlobTooLargeException"/> as soon as more than <paramref name="maxLength"/> bytes arrive.
    /// <paramref name="written"/>, when given, hears how many bytes the file holds each time more are
    /// in it, so a reader of the file (an upload to a bucket) can follow the write instead of waiting for its end.
    /// </summary>
    public static async Task<ReceivedBlob> WriteAsync(SafeFileHandle handle, Stream source, long maxLength, bool flushToDisk, Action<long>? written, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
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
                var read = await source.ReadAtLeastAsync(buffer.AsMemory(0, BufferSize), BufferSize, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                    break;
                length += read;
                if (length > maxLength)
                    throw new BlobTooLargeException(maxLength);
                sha256.AppendData(buffer, 0, read);
                await writing;
                var offset = length - read;
                writing = Task.Run(
                    () =>
                    {
                        RandomAccess.Write(handle, buffer.AsSpan(0, read), offset);
                        if (flushToDisk)
                            Writeback.After(handle, offset, read);
                        // Writes run one after another, so these calls do too.
                        written?.Invoke(offset + read);
                    },
                    cancellationToken);
            }
            await writing;
            // A file renamed into a blob must be on disk before the rename.
            if (flushToDisk)
                RandomAccess.FlushToDisk(handle);
            return new ReceivedBlob(Convert.ToHexStringLower(sha256.GetHashAndReset()), length);
        }
        finally
        {
            // A write still running owns its buffer; its failure, if any, is not this one's cause.
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var buffer in buffers)
                ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Early writeback on Linux: each completed step is handed to the disk at once, and the step
    /// before it is waited for, so at most two steps of the file are dirty in the page cache and the
    /// final fsync has only those left. Only a hint: the fsync stays what makes the file durable, so
    /// a file system that refuses it loses speed, not safety.
    /// </summary>
    private static partial class Writeback
    {
        private const uint WaitBefore = 1;
        private const uint Write = 2;
        private const uint WaitAfter = 4;

        // Set once a C library without sync_file_range turned up; the hint is then skipped.
        private static bool _unavailable;

        public static void After(SafeFileHandle handle, long offset, int count)
        {
            var end = offset + count;
            if (_unavailable || !OperatingSystem.IsLinux() || end / WritebackStep == offset / WritebackStep)
                return;
            var step = (end / WritebackStep - 1) * WritebackStep;
            try
            {
                _ = SyncFileRange(handle, step, WritebackStep, Write);
                if (step >= WritebackStep)
                    _ = SyncFileRange(handle, step - WritebackStep, WritebackStep, WaitBefore | Write | WaitAfter);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _unavailable = true;
            }
        }

        [LibraryImport("libc", EntryPoint = "sync_file_range")]
        private static partial int SyncFileRange(SafeFileHandle fd, long offset, long count, uint flags);
    }
}
