using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Server.Auth;
using Blossom.Server.Http;
using Blossom.Server.Options;

namespace Blossom.Server.Endpoints;

/// <summary>The upload rules that <c>PUT /upload</c> and its <c>HEAD /upload</c> preflight share.</summary>
internal static class UploadPolicy
{
    /// <summary>Both verbs of <c>/upload</c> sit behind the same token rule: <c>t=upload</c>, <c>x</c> = <c>X-SHA-256</c>.</summary>
    public static RouteGroupBuilder MapUploadGroup(this IEndpointRouteBuilder app, UploadOptions options)
    {
        var group = app.MapGroup("/upload");
        return options.RequireAuth
            ? group.RequireNostrAuthorization(AuthorizationVerb.Upload, XTagRule.Required, NostrAuthorizationMetadata.HashFromHeader)
            : group.AcceptUploaderAuthorization(AuthorizationVerb.Upload, XTagRule.Required, NostrAuthorizationMetadata.HashFromHeader);
    }

    /// <summary>Refuses by type (415) and announced size (413); null when the upload may proceed.</summary>
    public static BlossomError? Check(UploadOptions options, string mediaType, long? length, long maxSizeBytes)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (MediaTypes.IsMultipart(mediaType))
            return BlossomError.UnsupportedType("Send the file's raw bytes as the request body, not multipart form data");
        if (!MediaTypes.IsAllowed(mediaType, options.AllowedTypes))
            return BlossomError.UnsupportedType($"This server does not accept {mediaType}; allowed: {string.Join(", ", options.AllowedTypes)}");
        if (length > maxSizeBytes)
            return TooLarge(maxSizeBytes);
        return null;
    }

    /// <summary>
    /// <c>Upload:QuotaBytesPerPubkey</c>: 413 when <paramref name="reservation"/> did not fit the
    /// pubkey's quota (its blobs and its other writes under way); null when the write may go on.
    /// </summary>
    public static BlossomError? QuotaRefusal(QuotaReservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return reservation.Granted
            ? null
            : BlossomError.TooLarge($"Storage quota exceeded: your blobs take {reservation.UsedBytes} of {reservation.QuotaBytes} bytes and this one needs {reservation.RequestedBytes}");
    }

    public static BlossomError TooLarge(long maxSizeBytes) =>
        BlossomError.TooLarge($"Blob is larger than this server's limit of {maxSizeBytes} bytes");
}
