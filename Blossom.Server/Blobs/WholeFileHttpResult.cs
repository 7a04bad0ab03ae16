using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server;

/// <summary>
/// A whole local file as a 200 answer, read straight into the connection's output buffer: the
/// framework's stream result copies through a 64 KiB buffer of its own, which every download in flight
/// holds (a thousand slow readers held 64 MiB more) and every byte crosses once more. Only for an
/// unconditional GET of the whole blob (<see cref="Serves"/>); ranges and conditional requests stay
/// with the framework's result. The file, opened before the answer began, is closed at its end.
/// </summary>
internal sealed class WholeFileHttpResult(FileStream file, long fileLength, string contentType, EntityTagHeaderValue entityTag, DateTimeOffset lastModified) : IResult
{
    // What a download holds in its output before it waits for the client: this, plus the server's
    // response buffer (64 KiB) once the client falls behind.
    private const long FlushBytes = 32 * 1024;

    // A client that keeps up gets pieces this large, one read and one flush each: 4 KiB blocks
    // cost a 512 MiB download a read per block and a flush per 32 KiB, twice the CPU and half the
    // speed. A piece this large comes from the shared array pool, not the pipe's block pool.
    private const int FastPieceBytes = 256 * 1024;

    // Pieces are for a client that has taken this much, more than the kernel's socket buffers
    // (a few MiB) hold for a slow reader: a thousand slow downloads keep to small blocks.
    private const long KeepingUpBytes = 8 * 1024 * 1024;

    public string ContentType => contentType;

    public long FileLength => fileLength;

    /// <summary>Whether the request wants the whole blob with no condition: no range and no <c>If-*</c> header.</summary>
    public static bool Serves(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers;
        return HttpMethods.IsGet(request.Method) && headers.Range.Count == 0 && headers.IfRange.Count == 0 && headers.IfMatch.Count == 0
            && headers.IfNoneMatch.Count == 0 && headers.IfModifiedSince.Count == 0 && headers.IfUnmodifiedSince.Count == 0;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        await using (file)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.ContentLength = fileLength;
            var headers = response.Headers;
            headers.AcceptRanges = "bytes";
            headers.ETag = entityTag.ToString();
            headers.LastModified = lastModified.ToString("R", CultureInfo.InvariantCulture);
            var writer = response.BodyWriter;
            var aborted = httpContext.RequestAborted;
            long unflushed = 0;
            var flushWaited = false;
            for (long sent = 0; sent < fileLength;)
            {
                // A block of the output pipe's pool (or a piece, see above), filled by a synchronous
                // read: blocks are reused across answers (no garbage per block sent), and a read from
                // the page cache costs less than the thread-pool hop an asynchronous one takes on Linux.
                // A flush that had to wait means the client fell behind: back to blocks until one does not.
                var keepingUp = sent >= KeepingUpBytes && !flushWaited;
                var block = keepingUp ? writer.GetMemory(FastPieceBytes) : writer.GetMemory();
                var read = RandomAccess.Read(file.SafeFileHandle, block.Span[..(int)Math.Min(block.Length, fileLength - sent)], sent);
                if (read == 0)
                {
                    // The file is shorter than its blob: the answer cannot keep its Content-Length.
                    httpContext.Abort();
                    return;
                }
                writer.Advance(read);
                sent += read;
                unflushed += read;
                // Flushed in steps, not per block: each flush wakes the socket's sender for a send of its own.
                if (!keepingUp && unflushed < FlushBytes && sent < fileLength)
                    continue;
                var flush = writer.FlushAsync(aborted);
                flushWaited = !flush.IsCompletedSuccessfully;
                unflushed = 0;
                if ((await flush).IsCompleted)
                    return;
            }
        }
    }
}
