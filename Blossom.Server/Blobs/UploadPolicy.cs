using Blossom.Core.Auth;
using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>The upload rules that <c>PUT /upload</c>, <c>PUT /mirror</c>, <c>PUT /media</c> and their preflights share.</summary>
internal static class UploadPolicy
{
    /// <summary>Both verbs of <c>/upload</c> sit behind the same token rule: <c>t=upload</c>, <c>x</c> = <c>X-SHA-256</c>.</summary>
    public static RouteGroupBuilder MapUploadGroup(this IEndpointRouteBuilder app, UploadOptions options) =>
        app.MapGroup("/upload").RequireUploadAuthorization(options, NostrAuthorizationMetadata.HashFromHeader);

    /// <summary>
    /// The token rule of every blob upload: <c>t=upload</c> whose <c>x</c> names <paramref name="impliedHash"/>,
    /// required or optional as <c>Upload:RequireAuth</c> says, with the pubkey lists and blocks.
    /// </summary>
    public static RouteGroupBuilder RequireUploadAuthorization(this RouteGroupBuilder group, UploadOptions options, Func<HttpRequest, string?> impliedHash)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.RequireAuth
            ? group.RequireNostrAuthorization(AuthorizationVerb.Upload, XTagRule.Required, impliedHash)
            : group.AcceptUploaderAuthorization(AuthorizationVerb.Upload, XTagRule.Required, impliedHash);
    }

    /// <summary><c>Upload:AllowedTypes</c> with a size limit: <c>Upload:MaxSizeBytes</c>, or <c>Media:MaxSizeBytes</c> for originals.</summary>
    public static IngestLimits Limits(this UploadOptions options, long maxSizeBytes)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new IngestLimits(maxSizeBytes, options.AllowedTypes);
    }

    /// <summary>Refuses by type (415; a null type waits for the body) and announced size (413); null when the upload may proceed.</summary>
    public static BlossomError? Check(IngestLimits limits, string? mediaType, long? length) =>
        BlobIngest.Check(limits, mediaType, length)?.ToBlossomError();
}
