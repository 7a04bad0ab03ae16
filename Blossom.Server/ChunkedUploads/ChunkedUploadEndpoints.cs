// BUD-14: PATCH /<sha256>[.ext] (chunked upload), OPTIONS /<sha256>[.ext], and what HEAD /<sha256> tells about a chunked upload.
using System.Globalization;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server;

internal static class ChunkedUploadEndpoints
{
    /// <summary>Every method a blob's address answers, for <c>OPTIONS</c>.</summary>
    public const string AllowedMethods = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS";

    public static IEndpointRouteBuilder MapChunkedUploadEndpoints(this IEndpointRouteBuilder app, UploadOptions options)
    {
        // One token with t=upload and the blob's hash serves every chunk; the chunks draw from a budget
        // of their own, as a large upload is many requests (see RateLimit:ChunksPerIpPerMinute).
        app.MapGroup("").WithTags("BUD-14 multi-part upload")
            .RequireUploadAuthorization(options, BlobRoute.PathHash)
            .WithIpRateLimit(IpRateLimit.Chunks)
            .MapPatch(BlobAddressRoute.Pattern, PatchBlobAsync)
            .WithName("ChunkedUpload")
            .WithSummary("Stores one chunk of a blob at Upload-Offset: 204 until the chunks cover Upload-Length, then 201 or 200 with the descriptor; 409 when the whole blob's hash is not the path's.");
        // No token: a client asks before it has one. (A browser's CORS preflight never reaches this
        // route: the cross-origin middleware answers it, with the same methods allowed.)
        app.MapGroup("").WithTags("BUD-14 multi-part upload").WithIpRateLimit(IpRateLimit.Unlimited)
            .MapMethods(BlobAddressRoute.Pattern, [HttpMethods.Options], AllowedMethodsOf)
            .WithName("BlobMethods")
            .WithSummary("The methods a blob's address answers (Allow), PATCH included for chunked uploads.");
        return app;
    }

    internal static NoContent AllowedMethodsOf(HttpContext context)
    {
        context.Response.Headers.Allow = AllowedMethods;
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Checks the chunk's headers (400 naming the one that is missing or malformed, 411 without a
    /// length, 415 unless the body is raw bytes), then hands it to the rules of chunked uploads,
    /// which store it, and build and commit the blob when it was the last missing piece.
    /// </summary>
    internal static async Task<Results<NoContent, Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> PatchBlobAsync(
        string blob, HttpContext context, ChunkedUploads uploads, IOptions<UploadOptions> uploadOptions, BlobDescriptions descriptions, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (BlobAddressRoute.ValidHashOf(blob) is not { } sha256)
            return BlossomError.BadRequest($"{BlobRoute.PathHashName} must be 64 lowercase hex characters");
        if (UploadType(request) is not { } type)
            return BlossomError.BadRequest($"{ChunkedUploadHeaders.UploadType} is required: the MIME type of the whole blob");
        if (ByteCount(request, ChunkedUploadHeaders.UploadLength) is not { } length)
            return BlossomError.BadRequest($"{ChunkedUploadHeaders.UploadLength} is required: the whole blob's size in bytes, a non-negative integer");
        if (ByteCount(request, ChunkedUploadHeaders.UploadOffset) is not { } offset)
            return BlossomError.BadRequest($"{ChunkedUploadHeaders.UploadOffset} is required: where this chunk starts in the blob, a non-negative integer");
        if (request.ContentLength is not { } chunkLength)
            return BlossomError.LengthRequired("Content-Length is required: the chunk's size in bytes");
        if (!IsOctetStream(request.ContentType))
            return BlossomError.UnsupportedType($"A chunk's Content-Type must be {MediaTypes.OctetStream}; the blob's type goes in {ChunkedUploadHeaders.UploadType}");

        var options = uploadOptions.Value;
        var chunk = new ChunkRequest(sha256, context.GetAuthorizationEvent()?.Pubkey, type, length, offset, chunkLength, _ => OpenBody(context, chunkLength));
        var result = await uploads.ReceiveChunkAsync(chunk, options.Limits(options.MaxSizeBytes), cancellationToken);
        if (result.Refusal is { } refusal)
            return refusal.ToBlossomError();
        if (result.Outcome == ChunkOutcome.Accepted || result.Blob is not { } stored)
            return TypedResults.NoContent();
        var descriptor = await descriptions.DescribeAsync(stored, request, cancellationToken);
        return result.Outcome == ChunkOutcome.Created ? TypedResults.Created(descriptor.Url, descriptor) : TypedResults.Ok(descriptor);
    }

    /// <summary>The normalized <c>Upload-Type</c>; null when it is missing or not a <c>type/subtype</c>.</summary>
    private static string? UploadType(HttpRequest request) =>
        request.Headers[ChunkedUploadHeaders.UploadType] is [{ } value] && MediaTypeHeaderValue.TryParse(value, out var parsed)
            && parsed.SubTypeWithoutSuffix.HasValue && !parsed.MatchesAllTypes && !parsed.MatchesAllSubTypes
            ? MediaTypes.Normalize(value)
            : null;

    /// <summary>A header that must be one non-negative integer in plain digits; null when it is missing or anything else.</summary>
    private static long? ByteCount(HttpRequest request, string header) =>
        request.Headers[header] is [{ } value] && value.Length > 0 && value.All(char.IsAsciiDigit)
            && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : null;

    private static bool IsOctetStream(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.Equals(MediaTypes.OctetStream, StringComparison.OrdinalIgnoreCase);

    // The rules opened the body only once the chunk was known to fit the upload, whose length is within
    // Upload:MaxSizeBytes: the server's own request size limit then gives way to the chunk's length.
    private static ValueTask<Stream> OpenBody(HttpContext context, long chunkLength)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = chunkLength;
        return ValueTask.FromResult<Stream>(new RequestBodyStream(context.Request.Body));
    }
}
