// BUD-01: GET /<sha256>[.ext] and HEAD /<sha256>[.ext].
using System.Globalization;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server;

internal static class RetrievalEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>Blobs up to this size are read into memory in one synchronous read (see below).</summary>
    private const long SmallBlobBytes = 64 * 1024;

    public static RouteGroupBuilder MapRetrievalEndpoints(this IEndpointRouteBuilder app)
    {
        // Reads need no token; an upload token, when sent, identifies the uploader of a partial upload (BUD-14 resume).
        var group = app.MapGroup("").WithTags("BUD-01 retrieval").WithIpRateLimit(IpRateLimit.Reads)
            .WithMetadata(new NostrAuthorizationMetadata([AuthorizationVerb.Upload], XTagRule.Required, NostrAuthorizationMetadata.HashFromRoute));
        group.MapMethods(BlobRoute.Pattern, [HttpMethods.Get, HttpMethods.Head], GetBlobAsync)
            .AddEndpointFilter<PreviewLinkFilter>()
            .WithName("GetBlob")
            .WithSummary("The blob's bytes, with ranges, ETag and caching; any extension is accepted.");
        return group;
    }

    /// <summary>
    /// The framework's file results handle Range (206/416), If-None-Match (304) and HEAD; the ETag
    /// is the hash, which names the bytes forever. The blob is opened before anything is answered,
    /// so a delete racing this request either came first (404) or leaves the open file readable to
    /// the end. Small blobs in a local file are read in one synchronous read from the page cache: the
    /// streaming path costs a thread-pool hop per read, several times the cost of the read itself at
    /// this size. A store whose stream cannot seek serves ranges through ranged reads of its own.
    /// With <c>Storage:S3:Redirect</c> set, a known blob is answered with a redirect to the bucket instead;
    /// with <c>Storage:AccelRedirectPrefix</c> set, a GET that wants the bytes is answered with the blob's
    /// headers and the file for the proxy in front to send (HEAD and 304 are answered from here as usual,
    /// a Range is the proxy's to serve from the file).
    /// A blob still being uploaded in chunks is not found, with what is held of it for its uploader.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, FileStreamHttpResult, RedirectHttpResult, AccelRedirectHttpResult, BlossomError>> GetBlobAsync(
        string blob, BlobService blobs, HotBlobs hot, BlobRedirects redirects, ChunkedUploads uploads, HttpContext context, CancellationToken cancellationToken)
    {
        var sha256 = BlobRoute.HashOf(blob);
        var record = await blobs.FindAsync(sha256, cancellationToken).ConfigureAwait(false);
        // 307, not 302: a client must repeat the same method (HEAD stays HEAD).
        if (record is not null && await redirects.ForAsync(record).ConfigureAwait(false) is { } location)
            return TypedResults.Redirect(location.AbsoluteUri, permanent: false, preserveMethod: true);
        if (record is null)
        {
            await ChunkedUploadHeaders.DescribeAsync(context, sha256, uploads, cancellationToken).ConfigureAwait(false);
            return BlossomError.NotFound("Blob not found");
        }
        if (redirects.InternalRedirectFor(sha256) is { } file && SendsBytes(context.Request, EntityTagOf(sha256)))
        {
            // The file is looked at here: the proxy's own 404 for a file gone missing would carry no reason.
            if (await blobs.LengthAsync(sha256, cancellationToken).ConfigureAwait(false) is not { } size)
                return BlossomError.NotFound("Blob not found");
            InertBlobHeaders.Apply(context.Response, record.Type);
            context.Response.Headers.CacheControl = Immutable;
            return new AccelRedirectHttpResult(file, record.Type, size, EntityTagOf(sha256), DateTimeOffset.FromUnixTimeSeconds(record.Uploaded));
        }
        return await ServeAsync(record, record.Type, blobs, hot, context, cancellationToken).ConfigureAwait(false) switch
        {
            { Result: FileContentHttpResult bytes } => bytes,
            { Result: FileStreamHttpResult stream } => stream,
            { Result: var error } => (BlossomError)error,
        };
    }

    /// <summary>
    /// A known blob's bytes as <paramref name="type"/> (what the surface knows them as), with ranges,
    /// conditional requests and the inert headers; a blob gone from the store is a 404. For every
    /// surface that serves blobs from here (Blossom's GET, Matrix downloads). The record is the
    /// index's answer of this request: held bytes of a small blob are served only for a blob it found.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, FileStreamHttpResult, BlossomError>> ServeAsync(
        BlobRecord record, string type, BlobService blobs, HotBlobs hot, HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(hot);
        ArgumentNullException.ThrowIfNull(context);
        var sha256 = record.Sha256;
        var lastModified = DateTimeOffset.FromUnixTimeSeconds(record.Uploaded);
        var entityTag = EntityTagOf(sha256);
        // HEAD and a matching If-None-Match send no bytes: the store is asked whether it has the
        // blob, not for its bytes, which an object store would start sending only to be cut off.
        if (!SendsBytes(context.Request, entityTag))
        {
            if (await blobs.LengthAsync(sha256, cancellationToken).ConfigureAwait(false) is not { } size)
                return BlossomError.NotFound("Blob not found");
            ApplyBlobHeaders(context, type, size);
            return TypedResults.Stream(new SeekableBlobStream(blobs, sha256, size), type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
        if (record.Size <= SmallBlobBytes && hot.Find(sha256) is { } held)
        {
            ApplyBlobHeaders(context, type, held.Length);
            return TypedResults.Bytes(held, type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
        // A range is read from where it starts (the index knows the size), and opened here rather
        // than once the answer is under way: a delete that came in between is still a 404, not a
        // broken 206. Small blobs are read whole, below.
        var start = record.Size > SmallBlobBytes ? RangeStart(context.Request, record.Size) : 0;
        if (await blobs.OpenReadAsync(sha256, start, null, cancellationToken).ConfigureAwait(false) is not { } content)
            return BlossomError.NotFound("Blob not found");

        var length = content.Length;
        ApplyBlobHeaders(context, type, length);
        if (length > SmallBlobBytes)
        {
            var stream = start == 0 && content.Stream.CanSeek ? content.Stream : new SeekableBlobStream(blobs, sha256, length, content, start);
            return TypedResults.Stream(stream, type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
        await using (content.ConfigureAwait(false))
        {
            var bytes = new byte[length];
            if (content.Stream is FileStream file)
                file.ReadExactly(bytes);
            else
                await content.Stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            hot.Keep(sha256, bytes);
            return TypedResults.Bytes(bytes, type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
    }

    /// <summary>The hash names the bytes forever: a strong tag.</summary>
    private static EntityTagHeaderValue EntityTagOf(string sha256) => new($"\"{sha256}\"");

    private static void ApplyBlobHeaders(HttpContext context, string type, long length)
    {
        var response = context.Response;
        InertBlobHeaders.Apply(response, type);
        response.Headers.CacheControl = Immutable;
        if (context.Request.Headers.Range.Count > 0)
            response.OnStarting(() => ExplainUnsatisfiableRange(response, length));
    }

    /// <summary>Whether the answer carries bytes: not for HEAD, nor for a GET the client's copy satisfies (304).</summary>
    private static bool SendsBytes(HttpRequest request, EntityTagHeaderValue entityTag)
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
