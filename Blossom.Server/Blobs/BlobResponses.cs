using System.Globalization;
using Blossom.Core.Blobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server;

/// <summary>
/// The one place a stored blob's bytes become an answer: whole file, bytes or stream, with ranges, conditional
/// requests, caching, the hash as ETag and the inert headers. Blob GET, previews and Matrix downloads and
/// thumbnails all answer through it.
/// </summary>
internal sealed class BlobResponses(BlobService blobs, HotBlobs hot)
{
    /// <summary>A blob's bytes never change under its hash.</summary>
    public const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>Blobs up to this size are read into memory in one synchronous read (see below).</summary>
    private const long SmallBlobBytes = 64 * 1024;

    /// <summary>
    /// A known blob's bytes as <paramref name="type"/> (what the surface knows them as), with ranges,
    /// conditional requests and the inert headers; a blob gone from the store is a 404. For every
    /// surface that serves blobs from here (Blossom's GET, previews, Matrix downloads and thumbnails). The record is the
    /// index's answer of this request: held bytes of a small blob are served only for a blob it found.
    /// </summary>
    public async Task<Results<FileContentHttpResult, FileStreamHttpResult, WholeFileHttpResult, BlossomError>> ServeAsync(
        BlobRecord record, string type, string caching, HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(context);
        var sha256 = record.Sha256;
        var lastModified = DateTimeOffset.FromUnixTimeSeconds(record.Uploaded);
        var entityTag = EntityTagOf(sha256);
        // HEAD and a matching If-None-Match send no bytes: the store is asked whether it has the
        // blob, not for its bytes, which an object store would start sending only to be cut off.
        if (!SendsBytes(context.Request, entityTag))
        {
            if (await blobs.LengthAsync(sha256, cancellationToken) is not { } size)
                return BlossomError.NotFound("Blob not found");
            ApplyBlobHeaders(context, type, caching, size);
            return TypedResults.Stream(new SeekableBlobStream(blobs, sha256, size), type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
        if (record.Size <= SmallBlobBytes && hot.Find(sha256) is { } held)
        {
            ApplyBlobHeaders(context, type, caching, held.Length);
            return TypedResults.Bytes(held, type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
        // A range is read from where it starts (the index knows the size), and opened here rather
        // than once the answer is under way: a delete that came in between is still a 404, not a
        // broken 206. Small blobs are read whole, below.
        var start = record.Size > SmallBlobBytes ? RangeStart(context.Request, record.Size) : 0;
        if (await blobs.OpenReadAsync(sha256, start, null, cancellationToken) is not { } content)
            return BlossomError.NotFound("Blob not found");

        var length = content.Length;
        ApplyBlobHeaders(context, type, caching, length);
        if (length > SmallBlobBytes && start == 0 && content.Stream is FileStream whole && WholeFileHttpResult.Serves(context.Request))
            return new WholeFileHttpResult(whole, length, type, entityTag, lastModified);
        if (length > SmallBlobBytes)
        {
            var stream = start == 0 && content.Stream.CanSeek ? content.Stream : new SeekableBlobStream(blobs, sha256, length, content, start);
            return TypedResults.Stream(stream, type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
        await using (content)
        {
            var bytes = new byte[length];
            if (content.Stream is FileStream file)
                file.ReadExactly(bytes);
            else
                await content.Stream.ReadExactlyAsync(bytes, cancellationToken);
            hot.Keep(sha256, bytes);
            return TypedResults.Bytes(bytes, type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
    }

    /// <summary>The hash names the bytes forever: a strong tag.</summary>
    public static EntityTagHeaderValue EntityTagOf(string sha256) => new($"\"{sha256}\"");

    private static void ApplyBlobHeaders(HttpContext context, string type, string caching, long length)
    {
        var response = context.Response;
        InertBlobHeaders.Apply(response, type);
        response.Headers.CacheControl = caching;
        if (context.Request.Headers.Range.Count > 0)
            response.OnStarting(() => ExplainUnsatisfiableRange(response, length));
    }

    /// <summary>Whether the answer carries bytes: not for HEAD, nor for a GET the client's copy satisfies (304).</summary>
    public static bool SendsBytes(HttpRequest request, EntityTagHeaderValue entityTag)
    {
        if (!HttpMethods.IsGet(request.Method))
            return false;
        var known = request.GetTypedHeaders().IfNoneMatch;
        return known is not { Count: > 0 } || !known.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(entityTag, useStrongComparison: false));
    }

    /// <summary>
    /// The first byte the framework's range processing will read: a GET's single satisfiable range's
    /// start, else 0 (the whole blob, or nothing for HEAD, 304 and 416).
    /// </summary>
    private static long RangeStart(HttpRequest request, long length)
    {
        if (!HttpMethods.IsGet(request.Method) || request.GetTypedHeaders().Range?.Ranges is not { Count: 1 } ranges)
            return 0;
        var range = ranges.Single();
        var start = range.From ?? length - Math.Min(range.To ?? 0, length);
        return start < length ? start : 0;
    }

    /// <summary>
    /// The framework answers a range past the end with a bare 416: give it a reason like every other
    /// refusal, and take back the year-long caching meant for the blob's bytes.
    /// </summary>
    private static Task ExplainUnsatisfiableRange(HttpResponse response, long length)
    {
        if (response.StatusCode != StatusCodes.Status416RangeNotSatisfiable)
            return Task.CompletedTask;
        response.Headers.Remove(HeaderNames.CacheControl);
        response.Headers[BlossomError.ReasonHeader] = string.Create(CultureInfo.InvariantCulture, $"Range not satisfiable: the blob is {length} bytes");
        return Task.CompletedTask;
    }
}
