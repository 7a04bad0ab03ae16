// BUD-01: GET /<sha256>[.ext] and HEAD /<sha256>[.ext].
using System.Globalization;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Retention;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server;

internal static class RetrievalEndpoints
{
    /// <summary>RFC 8594's header, which the framework's header names do not list.</summary>
    public const string SunsetHeader = "Sunset";

    public static RouteGroupBuilder MapRetrievalEndpoints(this IEndpointRouteBuilder app)
    {
        // Reads need no token; an upload token, when sent, identifies the uploader of a chunked upload (BUD-14 resume).
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
    /// A blob the storage rules are to remove says when (<c>Sunset</c>, BUD-01).
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, FileStreamHttpResult, WholeFileHttpResult, RedirectHttpResult, AccelRedirectHttpResult, BlossomError>> GetBlobAsync(
        string blob, BlobService blobs, BlobResponses responses, BlobRedirects redirects, ChunkedUploads uploads, BlobSunsets sunsets, HttpContext context, CancellationToken cancellationToken)
    {
        var sha256 = BlobRoute.HashOf(blob);
        var record = await blobs.FindAsync(sha256, cancellationToken);
        if (record is not null)
            await AnnounceSunsetAsync(record, sunsets, context, cancellationToken);
        // 307, not 302: a client must repeat the same method (HEAD stays HEAD).
        if (record is not null && await redirects.ForAsync(record, cancellationToken) is { } location)
            return TypedResults.Redirect(location.AbsoluteUri, permanent: false, preserveMethod: true);
        if (record is null)
        {
            await ChunkedUploadHeaders.DescribeAsync(context, sha256, uploads, cancellationToken);
            return BlossomError.NotFound("Blob not found");
        }
        if (BlobResponses.SendsBytes(context.Request, BlobResponses.EntityTagOf(sha256)) && await redirects.InternalRedirectForAsync(sha256, cancellationToken) is { } file)
        {
            // The file is looked at here: the proxy's own 404 for a file gone missing would carry no reason.
            if (await blobs.LengthAsync(sha256, cancellationToken) is not { } size)
                return BlossomError.NotFound("Blob not found");
            InertBlobHeaders.Apply(context.Response, record.Type);
            context.Response.Headers.CacheControl = BlobResponses.Immutable;
            return new AccelRedirectHttpResult(file, record.Type, size, BlobResponses.EntityTagOf(sha256), DateTimeOffset.FromUnixTimeSeconds(record.Uploaded));
        }
        return await responses.ServeAsync(record, record.Type, BlobResponses.Immutable, context, cancellationToken) switch
        {
            { Result: FileContentHttpResult bytes } => bytes,
            { Result: FileStreamHttpResult stream } => stream,
            { Result: WholeFileHttpResult whole } => whole,
            { Result: var error } => (BlossomError)error,
        };
    }

    /// <summary>
    /// BUD-01's <c>Sunset</c> (RFC 8594, an HTTP date) when the storage rules are to remove the blob. A GET
    /// is a fetch, which idle rules count from, so its own answer already counts it; a HEAD reads nothing.
    /// </summary>
    private static async Task AnnounceSunsetAsync(BlobRecord record, BlobSunsets sunsets, HttpContext context, CancellationToken cancellationToken)
    {
        if (HttpMethods.IsGet(context.Request.Method))
            sunsets.Fetched(record.Sha256);
        if (await sunsets.OfAsync(record, cancellationToken) is { } sunset)
            context.Response.Headers[SunsetHeader] = DateTimeOffset.FromUnixTimeSeconds(sunset).ToString("R", CultureInfo.InvariantCulture);
    }
}
