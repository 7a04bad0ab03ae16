using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Blossom.Core.Blobs;

/// <summary>
/// Receives a blob's bytes into a local file while hashing them: every store takes uploads this
/// way, so the hash is known, and the size limit enforced, before anything becomes a blob.
/// </summary>
public static class HashingFileWriter
{
    // Large enough that per-call costs vanish, small enough that two per upload cost little memory.
    private const int BufferSize = 1024 * 1024;

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="handle"/> from offset 0, flushed to disk
    /// when <paramref name="flushToDisk"/> (the file itself becomes the blob).
    /// Throws <see cref="BlobTooLargeException"/> as soon as more than <paramref name="maxLength"/> bytes arrive.
    /// </summary>
    public static async Task<ReceivedBlob> WriteAsync(SafeFileHandle handle, Stream source, long maxLength, bool flushToDisk, CancellationToken cancellationToken)
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
}
