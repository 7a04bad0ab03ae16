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
            .WithSummary("Stores the request body as a blob, byte for byte, and answers its descriptor; without Content-Type the type is read from the content.");
        return group;
    }

    /// <summary>
    /// The body streams through a hash into a temp file beside the store and is renamed under its
    /// hash only once complete and checked, so memory stays flat and no torn blob is ever visible.
    /// </summary>
    internal static Task<Results<Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> PutUploadAsync(
        HttpContext context, BlobIngest ingest, IOptions<UploadOptions> uploadOptions, BlobDescriptions descriptions, CancellationToken cancellationToken) =>
        UploadBody.StoreAsync(context, announced: null, ingest, uploadOptions, descriptions, cancellationToken);
}
