// BUD-13: PUT /<sha256>
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class PathUploadEndpoints
{
    /// <summary>What an answer about the path's hash calls it.</summary>

    public static RouteGroupBuilder MapPathUploadEndpoints(this IEndpointRouteBuilder app, UploadOptions options)
    {
        // GET/HEAD/DELETE /<sha256>[.ext] share the path with other methods; /upload, /media and
        // /mirror are literal segments, which the router prefers, and are not 64 characters anyway.
        var group = app.MapGroup("").WithTags("BUD-13 path upload")
            .RequireUploadAuthorization(options, BlobRoute.PathHash);
        group.MapPut(BlobAddressRoute.Pattern, PutBlobAsync)
            .WithName("PathUpload")
            .WithSummary("Stores the request body under the hash the path names (any extension is ignored); 409 when the body's hash differs.");
        return group;
    }

    /// <summary>
    /// <c>PUT /upload</c> with the hash announced by the path instead of <c>X-SHA-256</c>: the same
    /// streamed, hashed, two-phase write, so a body whose hash differs is answered 409 and never
    /// becomes visible. Any 64 characters reach this handler, so that a hash the draft forbids
    /// (uppercase, not hex) is told why instead of getting a bare 404.
    /// </summary>
    internal static async Task<Results<Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> PutBlobAsync(
        string blob, HttpContext context, BlobIngest ingest, IOptions<UploadOptions> uploadOptions, BlobDescriptions descriptions, CancellationToken cancellationToken)
    {
        if (BlobAddressRoute.ValidHashOf(blob) is not { } sha256)
            return BlossomError.BadRequest($"{BlobRoute.PathHashName} must be 64 lowercase hex characters");
        return await UploadBody.StoreAsync(context, new AnnouncedHash(BlobRoute.PathHashName, sha256), ingest, uploadOptions, descriptions, cancellationToken);
    }
}
