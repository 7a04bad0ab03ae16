using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Http.Features;

namespace Blossom.Server;

/// <summary>What <c>PUT /upload</c>, <c>PUT /&lt;sha256&gt;</c> and <c>PUT /media</c> tell the ingest about their request.</summary>
internal static class RequestBlob
{
    /// <summary>
    /// The request as an upload: its body, <c>Content-Length</c>, the token's pubkey and x tags, and
    /// <c>X-SHA-256</c>, or the hash the route itself names (<paramref name="announced"/>), which then
    /// is the one the body must have. A request whose framing says it has no body has none to store.
    /// A null <paramref name="mediaType"/> (no <c>Content-Type</c>, see <see cref="DeclaredType"/>) is
    /// taken from the body's first bytes, <c>application/octet-stream</c> when they show nothing known.
    /// </summary>
    public static IngestRequest Describe(HttpContext context, string? mediaType, bool ownsBody = true, AnnouncedHash? announced = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var authorization = context.GetAuthorizationEvent();
        announced ??= BlobRequest.Sha256Header(request) is { Present: true } header ? new AnnouncedHash(BlobRequest.Sha256HeaderName, header.Value) : null;
        var hasBody = request.ContentLength is not null || context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: false };
        return new IngestRequest(hasBody ? _ => OpenBody(context) : null, mediaType ?? MediaTypes.OctetStream, request.ContentLength,
            authorization?.Pubkey, announced, authorization?.BlobHashes, ownsBody, TypeFromContent: mediaType is null);
    }

    /// <summary>
    /// The normalized <c>Content-Type</c> of an upload; null when the client sent none (<c>curl -T</c>
    /// does not), so the content decides. A type sent, <c>application/octet-stream</c> too (an
    /// encrypted blob), is kept as it is.
    /// </summary>
    public static string? DeclaredType(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return string.IsNullOrWhiteSpace(request.ContentType) ? null : MediaTypes.Normalize(request.ContentType);
    }

    // The ingest enforces the size limit itself, also on bodies of unknown length; the server's own
    // limit is lifted only for a body that is about to be read, so a refused one is not drained.
    private static ValueTask<Stream> OpenBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = null;
        return ValueTask.FromResult<Stream>(new RequestBodyStream(context.Request.Body));
    }
}
