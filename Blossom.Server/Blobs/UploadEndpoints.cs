// BUD-02: PUT /upload.
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class UploadEndpoints
{
    public static RouteGroupBuilder MapUploadEndpoints(this IEndpointRouteBuilder app, UploadOptions options)
    {
        var group = app.MapUploadGroup(options).WithTags("BUD-02 upload");
        group.MapPut("", PutUploadAsync)
            .WithName("Upload")
            .WithSummary("Stores the request body as a blob, byte for byte, and answers its descriptor.");
        return group;
    }

    /// <summary>
    /// The body streams through a hash into a temp file beside the store and is renamed under its
    /// hash only once complete and checked, so memory stays flat and no torn blob is ever visible.
    /// </summary>
    internal static Task<Results<Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> PutUploadAsync(
        HttpContext context, BlobIngest ingest, IOptions<UploadOptions> uploadOptions, BlobDescriptions descriptions, CancellationToken cancellationToken) =>
        StoreBodyAsync(context, announced: null, ingest, uploadOptions, descriptions, cancellationToken);

    /// <summary>
    /// Stores the request body as a blob and answers 201 (new) or 200 (already stored, the uploader
    /// now owns it too). <paramref name="announced"/>: the hash the body must have, when the route
    /// names it (BUD-13); null takes it from <c>X-SHA-256</c>, when sent.
    /// </summary>
    internal static async Task<Results<Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> StoreBodyAsync(
        HttpContext context, AnnouncedHash? announced, BlobIngest ingest, IOptions<UploadOptions> uploadOptions, BlobDescriptions descriptions, CancellationToken cancellationToken)
    {
        var options = uploadOptions.Value;
        var upload = RequestBlob.Describe(context, MediaTypes.Normalize(context.Request.ContentType), announced: announced);
        var result = await ingest.IngestBlobAsync(upload, options.Limits(options.MaxSizeBytes), cancellationToken).ConfigureAwait(false);
        if (result.Refusal is { } refusal)
            return refusal.ToBlossomError();
        var (blob, created) = result.Value;
        var descriptor = await descriptions.DescribeAsync(blob, context.Request, cancellationToken).ConfigureAwait(false);
        return created ? TypedResults.Created(descriptor.Url, descriptor) : TypedResults.Ok(descriptor);
    }
}
