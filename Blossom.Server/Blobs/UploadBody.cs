using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>A request body stored as a blob: <c>PUT /upload</c> (BUD-02) and <c>PUT /&lt;sha256&gt;</c> (BUD-13).</summary>
internal static class UploadBody
{
    /// <summary>
    /// Stores the request body as a blob and answers 201 (new) or 200 (already stored, the uploader
    /// now owns it too). <paramref name="announced"/>: the hash the body must have, when the route
    /// names it (BUD-13); null takes it from <c>X-SHA-256</c>, when sent.
    /// </summary>
    internal static async Task<Results<Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> StoreAsync(
        HttpContext context, AnnouncedHash? announced, BlobIngest ingest, IOptions<UploadOptions> uploadOptions, BlobDescriptions descriptions, CancellationToken cancellationToken)
    {
        var options = uploadOptions.Value;
        var upload = RequestBlob.Describe(context, RequestBlob.DeclaredType(context.Request), announced: announced);
        var result = await ingest.IngestBlobAsync(upload, options.Limits(options.MaxSizeBytes), cancellationToken);
        if (result.Refusal is { } refusal)
            return refusal.ToBlossomError();
        var (blob, created) = result.Value;
        var descriptor = await descriptions.DescribeAsync(blob, context.Request, cancellationToken);
        return created ? TypedResults.Created(descriptor.Url, descriptor) : TypedResults.Ok(descriptor);
    }
}
