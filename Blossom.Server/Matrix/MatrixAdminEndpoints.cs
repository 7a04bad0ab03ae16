// The operator API for Matrix media across servers: quarantine (of one media or of a whole server) and the
// remote media cache. Under /admin, with the same t=admin tokens of Admin:Pubkeys as the rest of it.
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Federation;
using Blossom.Core.Matrix;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blossom.Server;

internal static class MatrixAdminEndpoints
{
    public static void MapMatrixAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/matrix").WithTags("Admin")
            .RequireNostrAuthorization(AdminHandler.Policy, [AuthorizationVerb.Admin], XTagRule.NotApplicable, NostrAuthorizationMetadata.NoHash);
        group.MapGet("/quarantine", ListQuarantineAsync).WithName("AdminMatrixQuarantine")
            .WithSummary("Quarantined Matrix media: one media id of a server, or (mediaId null) every media of a server.");
        group.MapPut("/quarantine/{serverName}/{mediaId}", QuarantineMediaAsync).WithName("AdminMatrixQuarantineMedia")
            .WithSummary("Quarantines mxc://serverName/mediaId: 404 on every route, local and federation; a cached remote copy is purged. Body {\"reason\"} optional.");
        group.MapPut("/quarantine/{serverName}", QuarantineServerAsync).WithName("AdminMatrixQuarantineServer")
            .WithSummary("Quarantines every media of a server; its cached remote media are purged. Body {\"reason\"} optional.");
        group.MapDelete("/quarantine/{serverName}/{mediaId}", LiftMediaAsync).WithName("AdminMatrixLiftMedia").WithSummary("Lifts a media's quarantine.");
        group.MapDelete("/quarantine/{serverName}", LiftServerAsync).WithName("AdminMatrixLiftServer").WithSummary("Lifts a server's quarantine.");
        group.MapGet("/remote-media", RemoteCacheAsync).WithName("AdminMatrixRemoteMedia")
            .WithSummary("The remote media cache: how many media and bytes, and the least recently served (?limit=N, ?server=).");
        group.MapPost("/remote-media/purge", PurgeAsync).WithName("AdminMatrixPurgeRemoteMedia")
            .WithSummary("Purges cached remote media: all, those of ?server=, those not served since ?before_ts= (ms since the epoch).");
        group.MapDelete("/remote-media/{serverName}/{mediaId}", PurgeMediaAsync).WithName("AdminMatrixPurgeRemoteMediaOne")
            .WithSummary("Purges one cached remote media; it is fetched again when next asked for.");
    }

    internal static async Task<Ok<IReadOnlyList<AdminQuarantined>>> ListQuarantineAsync(IMatrixQuarantine quarantine, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<AdminQuarantined>>([.. (await quarantine.ListAsync(cancellationToken)).Select(AdminQuarantined.From)]);

    internal static Task<Results<NoContent, BlossomError>> QuarantineMediaAsync(
        string serverName, string mediaId, HttpRequest request, IMatrixQuarantine quarantine, MatrixRemoteMediaService remote, TimeProvider time, CancellationToken cancellationToken) =>
        QuarantineAsync(serverName, mediaId, request, quarantine, remote, time, cancellationToken);

    internal static Task<Results<NoContent, BlossomError>> QuarantineServerAsync(
        string serverName, HttpRequest request, IMatrixQuarantine quarantine, MatrixRemoteMediaService remote, TimeProvider time, CancellationToken cancellationToken) =>
        QuarantineAsync(serverName, null, request, quarantine, remote, time, cancellationToken);

    internal static async Task<Results<NoContent, BlossomError>> LiftMediaAsync(string serverName, string mediaId, IMatrixQuarantine quarantine, CancellationToken cancellationToken) =>
        await quarantine.RemoveAsync(serverName.ToLowerInvariant(), mediaId, cancellationToken) ? TypedResults.NoContent() : BlossomError.NotFound("That media is not quarantined");

    internal static async Task<Results<NoContent, BlossomError>> LiftServerAsync(string serverName, IMatrixQuarantine quarantine, CancellationToken cancellationToken) =>
        await quarantine.RemoveAsync(serverName.ToLowerInvariant(), null, cancellationToken) ? TypedResults.NoContent() : BlossomError.NotFound("That server is not quarantined");

    internal static async Task<Results<Ok<AdminRemoteCache>, BlossomError>> RemoteCacheAsync(
        string? server, int? limit, IMatrixRemoteMediaIndex index, CancellationToken cancellationToken)
    {
        if (server is not null && !MatrixServerName.TryParse(server, out _, out _))
            return BlossomError.BadRequest("server must be a Matrix server name");
        var (count, bytes) = await index.TotalsAsync(cancellationToken);
        var media = await index.ListLeastRecentAsync(server?.ToLowerInvariant(), null, Math.Clamp(limit ?? 100, 1, 1000), cancellationToken);
        return TypedResults.Ok(new AdminRemoteCache(count, bytes, [.. media.Select(AdminRemoteMedia.From)]));
    }

    internal static async Task<Results<Ok<AdminPurged>, BlossomError>> PurgeAsync(
        string? server, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "before_ts")] long? beforeTs, MatrixRemoteMediaService remote, CancellationToken cancellationToken)
    {
        if (server is not null && !MatrixServerName.TryParse(server, out _, out _))
            return BlossomError.BadRequest("server must be a Matrix server name");
        var before = beforeTs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        return TypedResults.Ok(new AdminPurged(await remote.PurgeAsync(server?.ToLowerInvariant(), before, cancellationToken)));
    }

    internal static async Task<Results<NoContent, BlossomError>> PurgeMediaAsync(string serverName, string mediaId, MatrixRemoteMediaService remote, CancellationToken cancellationToken) =>
        await remote.PurgeMediaAsync(serverName.ToLowerInvariant(), mediaId, cancellationToken) ? TypedResults.NoContent() : BlossomError.NotFound("That media is not cached");

    private static async Task<Results<NoContent, BlossomError>> QuarantineAsync(
        string serverName, string? mediaId, HttpRequest request, IMatrixQuarantine quarantine, MatrixRemoteMediaService remote, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MatrixServerName.TryParse(serverName, out _, out _))
            return BlossomError.BadRequest("serverName must be a Matrix server name");
        if (mediaId is not null && !MatrixRemoteMediaService.IsValidMediaId(mediaId))
            return BlossomError.BadRequest("mediaId must be a Matrix media id (A-Z, a-z, 0-9, _ and -)");
        string? reason = null;
        if (request.ContentLength > 0)
        {
            try
            {
                using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
                reason = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String
                    ? r.GetString() : null;
            }
            catch (JsonException)
            {
                return BlossomError.BadRequest("The body, when given, must be {\"reason\": \"…\"}");
            }
        }
        var server = serverName.ToLowerInvariant();
        await quarantine.AddAsync(server, mediaId, reason, time.GetUtcNow(), cancellationToken);
        // A quarantined copy is not kept: what a server's operator quarantines should leave the disk too.
        if (mediaId is null)
            await remote.PurgeAsync(server, accessedBefore: null, cancellationToken);
        else
            await remote.PurgeMediaAsync(server, mediaId, cancellationToken);
        return TypedResults.NoContent();
    }
}

/// <summary>A quarantine as the operator sees it; <c>mediaId</c> null is the whole server.</summary>
public sealed record AdminQuarantined(string ServerName, string? MediaId, string? Reason, long Created)
{
    public static AdminQuarantined From(MatrixQuarantined quarantined) =>
        new(quarantined.ServerName, quarantined.MediaId, quarantined.Reason, quarantined.Created.ToUnixTimeMilliseconds());
}

/// <summary>The remote media cache: its totals and some of its media, least recently served first.</summary>
public sealed record AdminRemoteCache(long Count, long Bytes, IReadOnlyList<AdminRemoteMedia> Media);

/// <summary>A cached remote media; times in ms since the epoch.</summary>
public sealed record AdminRemoteMedia(string ServerName, string MediaId, string Sha256, string ContentType, string? FileName, long Size, long Fetched, long LastAccess)
{
    public static AdminRemoteMedia From(MatrixRemoteMedia media) => new(media.ServerName, media.MediaId, media.Sha256, media.ContentType, media.FileName, media.Size,
        media.Fetched.ToUnixTimeMilliseconds(), media.LastAccess.ToUnixTimeMilliseconds());
}

/// <summary>How many cached media a purge removed.</summary>
public sealed record AdminPurged(int Removed);
