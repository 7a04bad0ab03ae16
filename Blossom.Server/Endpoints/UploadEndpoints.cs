// BUD-02: PUT /upload.
using Blossom.Core.Blobs;
using Blossom.Server.Auth;
using Blossom.Server.Http;
using Blossom.Server.Options;
using Microsoft.AspNetCore.Http.Features;
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
        HttpContext context, BlobService blobs, IOptions<UploadOptions> uploadOptions, PublicBaseUrl baseUrl, CancellationToken cancellationToken)
    {
        var options = uploadOptions.Value;
        var request = context.Request;
        var mediaType = MediaTypes.Normalize(request.ContentType);
        if (UploadPolicy.Check(options, mediaType, request.ContentLength) is { } refusal)
            return refusal;
        if (request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
            return BlossomError.LengthRequired("Content-Length is required");
        var expected = BlobRequest.Sha256Header(request);
        if (expected is { Present: true, Valid: false })
            return BlossomError.BadRequest("X-SHA-256 must be a 64-character hex sha256");

        // The store enforces the configured limit itself, also on bodies of unknown length.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = null;

        var pending = await blobs.Store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (pending.ConfigureAwait(false))
        {
            ReceivedBlob received;
            try
            {
                received = await pending.ReceiveAsync(request.Body, options.MaxSizeBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (BlobTooLargeException)
            {
                return UploadPolicy.TooLarge(options);
            }

            if (expected.Present && expected.Value != received.Sha256)
                return BlossomError.Conflict($"X-SHA-256 does not match the body, whose sha256 is {received.Sha256}");
            var authorization = context.GetAuthorizationEvent();
            // Without X-SHA-256 the token's x tags could only be checked now that the hash is known.
            if (authorization is not null && !expected.Present && !authorization.Covers(received.Sha256))
                return BlossomError.Unauthorized("Authorization event x tags do not include the blob hash");

            var (blob, created) = await blobs.CommitAsync(pending, received, mediaType, authorization?.Pubkey, cancellationToken).ConfigureAwait(false);
            var descriptor = BlobDescriptor.From(blob, baseUrl.For(request));
            return created ? TypedResults.Created(descriptor.Url, descriptor) : TypedResults.Ok(descriptor);
        }
    }
}
