using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Blossom.Core.Storage;

/// <summary>How the chunked-upload stores take in a chunk: exactly its declared bytes, or an error.</summary>
internal static class StreamCopy
{
    // Large enough that per-call costs vanish, small enough to cost little memory per chunk in flight.
    private const int BufferSize = 1024 * 1024;

    /// <summary>
    /// Copies exactly <paramref name="count"/> bytes of <paramref name="source"/> to <paramref name="target"/>
    /// at <paramref name="targetOffset"/> (nowhere when null), through <paramref name="hash"/> when given.
    /// Throws <see cref="EndOfStreamException"/> when the source ends early.
    /// </summary>
    public static async Task CopyAsync(Stream source, SafeFileHandle? target, long targetOffset, long count, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        if (count == 0)
            return;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(BufferSize, count));
        try
        {
            for (long done = 0; done < count;)
            {
                var want = (int)Math.Min(buffer.Length, count - done);
                var read = await source.ReadAtLeastAsync(buffer.AsMemory(0, want), want, throwOnEndOfStream: true, cancellationToken);
                hash?.AppendData(buffer, 0, read);
                if (target is not null)
                    await RandomAccess.WriteAsync(target, buffer.AsMemory(0, read), targetOffset + done, cancellationToken);
                done += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
