// The Matrix content repository's GET preview_url (client-server API, "Content repository"): OpenGraph
// data of a web page, its image stored as an mxc:// URI, in the legacy /_matrix/media/v3 and the
// authenticated /_matrix/client/v1/media families. Both need a token: the server fetches for the user.
using System.Globalization;
using System.Text.Json.Nodes;
using Blossom.Core.Matrix;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blossom.Server;

internal static class MatrixPreviewUrlEndpoints
{
    public static void MapMatrixPreviewUrlEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup(MatrixRoutes.LegacyPrefix).WithTags("Matrix media (legacy)").RequireMatrixUser(allowsQueryToken: true)
            .MapGet("/preview_url", PreviewUrlAsync)
            .WithName("MatrixPreviewUrl")
            .WithSummary("OpenGraph data of a public web page (url, ts), its og:image stored as an mxc:// URI.");
        app.MapGroup(MatrixRoutes.AuthenticatedPrefix).WithTags("Matrix media").RequireMatrixUser(allowsQueryToken: false)
            .MapGet("/preview_url", PreviewUrlAsync)
            .WithName("MatrixClientPreviewUrl")
            .WithSummary("OpenGraph data of a public web page (url, ts), its og:image stored as an mxc:// URI.");
    }

    /// <summary>
    /// The page's preview, fetched now or from the cache. <c>ts</c> may ask for an older version; the
    /// spec lets the server answer a newer one, and this server keeps no history, so it is only checked.
    /// </summary>
    internal static async Task<Results<Ok<JsonObject>, MatrixError>> PreviewUrlAsync(
        HttpContext context, UrlPreviewService previews, string? url, string? ts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(url))
            return new MatrixError(StatusCodes.Status400BadRequest, "M_MISSING_PARAM", "The url parameter is required");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var page) || (page.Scheme != Uri.UriSchemeHttp && page.Scheme != Uri.UriSchemeHttps))
            return MatrixError.InvalidParam("url must be an absolute http or https URL");
        if (ts is not null && !long.TryParse(ts, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            return MatrixError.InvalidParam("ts must be a whole number of milliseconds since the epoch");

        var result = await previews.PreviewAsync(context.MatrixUserId(), page, cancellationToken);
        return result.Refusal switch
        {
            null => TypedResults.Ok(result.Value.ToJson()),
            { Kind: UrlPreviewRefusalKind.Forbidden } refusal => MatrixError.Forbidden(refusal.Reason),
            { Kind: UrlPreviewRefusalKind.Busy } refusal => MatrixError.LimitExceeded(refusal.Reason, refusal.RetryAfter ?? UrlPreviewService.BusyRetryAfter),
            var refusal => MatrixError.Unknown(StatusCodes.Status502BadGateway, refusal.Reason),
        };
    }
}
