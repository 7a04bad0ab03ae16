// The federation content repository (server-server API, "Content Repository", Matrix 1.11): other
// servers fetch this server's media with signed requests, answered multipart/mixed.
using Blossom.Core.Matrix;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blossom.Server;

internal static class MatrixFederationEndpoints
{
    public const string Prefix = "/_matrix/federation/v1/media";

    public static void MapMatrixFederationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Prefix).WithTags("Matrix federation media")
            .RequireAuthorization(FederationAuthenticationHandler.ServerPolicy)
            .WithIpRateLimit(IpRateLimit.Reads);
        group.MapGet("/download/{mediaId}", DownloadAsync)
            .WithName("MatrixFederationDownload")
            .WithSummary("This server's media for another Matrix server: multipart/mixed, its metadata, then its bytes or a Location to fetch them from.");
        group.MapGet("/thumbnail/{mediaId}", ThumbnailAsync)
            .WithName("MatrixFederationThumbnail")
            .WithSummary("A thumbnail of this server's media for another server, multipart/mixed; width, height, method, animated as on the client route.");
    }

    internal static async Task<Results<FederationMediaResult, MatrixError>> DownloadAsync(
        string mediaId, HttpContext context, [AsParameters] MatrixMediaEndpoints.MatrixServices services, CancellationToken cancellationToken)
    {
        if (await FindAsync(mediaId, context.Request.Query, services, cancellationToken) is not { } found)
            return MatrixMediaEndpoints.Unfound(mediaId, context.Request.Query);
        if (found.Refusal is { } refusal)
            return MatrixMediaEndpoints.ToMatrixError(refusal);
        var (media, blob) = found.Value;
        if (await services.Redirects.ForAsync(blob, cancellationToken) is { } location)
            return FederationMediaResult.Redirect(location);
        var type = media.ContentType ?? blob.Type;
        return FederationMediaResult.Bytes(services.Blobs, blob.Sha256, type, MatrixContentDisposition.For(type, media.FileName));
    }

    internal static async Task<Results<FederationMediaResult, MatrixError>> ThumbnailAsync(
        string mediaId, HttpContext context, [AsParameters] MatrixMediaEndpoints.MatrixServices services, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var request = MatrixMediaEndpoints.ReadThumbnailRequest(query, services);
        if (request.Refusal is { } invalid)
            return invalid;
        if (await FindAsync(mediaId, query, services, cancellationToken) is not { } found)
            return MatrixMediaEndpoints.Unfound(mediaId, query);
        if (found.Refusal is { } refusal)
            return MatrixMediaEndpoints.ToMatrixError(refusal);
        var made = await MatrixMediaEndpoints.MakeThumbnailAsync(found.Value, request.Value, services, cancellationToken);
        if (made.Refusal is { } refused)
            return refused;
        return FederationMediaResult.Bytes(services.Blobs, made.Value.Sha256, made.Value.Type, MatrixContentDisposition.For(made.Value.Type, null));
    }

    /// <summary>Only this server's own media are served over federation: a server never fetches for another.</summary>
    private static Task<Blossom.Core.Outcome<MatrixContent, MatrixRefusal>?> FindAsync(
        string mediaId, IQueryCollection query, MatrixMediaEndpoints.MatrixServices services, CancellationToken cancellationToken) =>
        MatrixMediaEndpoints.Wait(query) is { } wait
            ? MatrixMediaEndpoints.FindLocalAsync(mediaId, wait, services, cancellationToken)
            : Task.FromResult<Blossom.Core.Outcome<MatrixContent, MatrixRefusal>?>(null);
}
