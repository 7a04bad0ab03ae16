// BUD-02: PUT /upload.
using Blossom.Core.Blobs;
using Blossom.Server.Auth;
using Blossom.Server.Http;
using Blossom.Server.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server.Endpoints;

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
    internal static async Task<Results<Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> PutUploadAsync(
        HttpContext context, BlobService blobs, QuotaReservations quotas, IOptions<UploadOptions> uploadOptions, PublicBaseUrl baseUrl, CancellationToken cancellationToken)
    {
        var options = uploadOptions.Value;
        var request = context.Request;
        var mediaType = MediaTypes.Normalize(request.ContentType);
        if (UploadPolicy.Check(options, mediaType, request.ContentLength, options.MaxSizeBytes) is { } refusal)
            return refusal;
        var owner = context.GetAuthorizationEvent()?.Pubkey;
        var announced = BlobRequest.Sha256Header(request) is { Valid: true } header ? header.Value : null;
        // Held until the blob is in the index (or discarded), so concurrent uploads cannot share the same room.
        using var quota = await quotas.ReserveAsync(owner, announced, request.ContentLength, cancellationToken).ConfigureAwait(false);
        if (UploadPolicy.QuotaRefusal(quota) is { } overQuota)
            return overQuota;

        var (body, error) = await RequestBlob.ReceiveAsync(context, blobs.Store, options.MaxSizeBytes, UploadPolicy.TooLarge(options.MaxSizeBytes), cancellationToken).ConfigureAwait(false);
        if (body is null)
            return error!;
        await using (body.ConfigureAwait(false))
        {
            if (!await quota.ResizeAsync(body.Blob.Sha256, body.Blob.Size, cancellationToken).ConfigureAwait(false))
                return UploadPolicy.QuotaRefusal(quota)!;
            var (blob, created) = await blobs.CommitAsync(body.Pending, body.Blob, mediaType, owner is null ? [] : [owner], cancellationToken).ConfigureAwait(false);
            var descriptor = BlobDescriptor.From(blob, baseUrl.For(request));
            return created ? TypedResults.Created(descriptor.Url, descriptor) : TypedResults.Ok(descriptor);
        }
    }
}
