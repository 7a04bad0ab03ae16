// The operator API: every blob and its owners, removal of any blob, reports, blocked pubkeys.
using System.Text.Json;
using System.Text.Json.Serialization;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Moderation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blossom.Server;

internal static class AdminEndpoints
{
    private const int MaxPage = 1000;

    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup();
        group.MapGet("/blobs", ListBlobsAsync).WithName("AdminListBlobs").WithSummary("All blobs, newest first, with their owners; ?cursor=<sha256>&limit=N.");
        group.MapGet("/blobs/{sha256}", GetBlobAsync).WithName("AdminGetBlob").WithSummary("One blob, its owners and its reports.");
        group.MapDelete("/blobs/{sha256}", DeleteBlobAsync).WithName("AdminDeleteBlob").WithSummary("Removes a blob for all its owners.");
        group.MapGet("/reports", ListReportsAsync).WithName("AdminListReports").WithSummary("Reports (BUD-09), newest first.");
        group.MapGet("/blocked", ListBlockedAsync).WithName("AdminListBlocked").WithSummary("Blocked pubkeys.");
        group.MapPut("/blocked/{pubkey}", BlockAsync).WithName("AdminBlock").WithSummary("Blocks a pubkey from uploading, mirroring and media; body {\"reason\"} optional.");
        group.MapDelete("/blocked/{pubkey}", UnblockAsync).WithName("AdminUnblock").WithSummary("Lifts a block.");
        group.MapGet("/blocked-blobs", ListBlockedBlobsAsync).WithName("AdminListBlockedBlobs").WithSummary("Blocked blobs, most recently blocked first.");
        group.MapPut("/blocked-blobs/{sha256}", BlockBlobAsync).WithName("AdminBlockBlob")
            .WithSummary("Blocks a blob: removed for all its owners, and any later upload, mirror or chunked upload of it is refused 403 and a media result of it is not stored; body {\"reason\"} optional.");
        group.MapDelete("/blocked-blobs/{sha256}", UnblockBlobAsync).WithName("AdminUnblockBlob").WithSummary("Lifts a blob's block.");
        return group;
    }

    /// <summary>
    /// The <c>/admin</c> group every operator route is mapped in, whichever feature it belongs to: tokens carry
    /// this server's own verb t=admin and a pubkey listed in Admin:Pubkeys.
    /// </summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/admin").WithTags("Admin")
            .RequireNostrAuthorization(AdminHandler.Policy, [AuthorizationVerb.Admin], XTagRule.NotApplicable, NostrAuthorizationMetadata.NoHash);

    internal static async Task<Results<Ok<IReadOnlyList<AdminBlob>>, BlossomError>> ListBlobsAsync(
        string? cursor, int? limit, HttpRequest request, BlobService blobs, PublicBaseUrl baseUrl, CancellationToken cancellationToken)
    {
        if (cursor is not null && !BlobHash.IsValid(cursor))
            return BlossomError.BadRequest("cursor must be a sha256");
        var page = await blobs.ListAllAsync(cursor, Math.Clamp(limit ?? 100, 1, MaxPage), cancellationToken);
        var url = baseUrl.For(request);
        return TypedResults.Ok<IReadOnlyList<AdminBlob>>([.. page.Select(b => new AdminBlob(BlobDescriptor.From(b.Blob, url), [.. b.Owners.Select(o => o.Pubkey)], []))]);
    }

    internal static async Task<Results<Ok<AdminBlob>, BlossomError>> GetBlobAsync(
        string sha256, HttpRequest request, BlobService blobs, IModerationStore moderation, PublicBaseUrl baseUrl, CancellationToken cancellationToken)
    {
        if (!BlobHash.IsValid(sha256) || await blobs.FindAsync(sha256, cancellationToken) is not { } blob)
            return BlossomError.NotFound("No such blob");
        var owners = await blobs.OwnersAsync(sha256, cancellationToken);
        var reports = await moderation.ReportsAsync(sha256, MaxPage, cancellationToken);
        return TypedResults.Ok(new AdminBlob(BlobDescriptor.From(blob, baseUrl.For(request)), owners, [.. reports.Select(AdminReport.From)]));
    }

    internal static async Task<Results<NoContent, BlossomError>> DeleteBlobAsync(string sha256, BlobService blobs, CancellationToken cancellationToken)
    {
        if (!BlobHash.IsValid(sha256) || !await blobs.RemoveAsync(sha256, cancellationToken))
            return BlossomError.NotFound("No such blob");
        return TypedResults.NoContent();
    }

    internal static async Task<Ok<IReadOnlyList<AdminReport>>> ListReportsAsync(int? limit, IModerationStore moderation, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<AdminReport>>([.. (await moderation.ReportsAsync(null, Math.Clamp(limit ?? 100, 1, MaxPage), cancellationToken)).Select(AdminReport.From)]);

    internal static async Task<Ok<IReadOnlyList<BlockedPubkey>>> ListBlockedAsync(IModerationStore moderation, CancellationToken cancellationToken) =>
        TypedResults.Ok(await moderation.BlockedAsync(cancellationToken));

    internal static async Task<Results<NoContent, BlossomError>> BlockAsync(string pubkey, HttpRequest request, IModerationStore moderation, CancellationToken cancellationToken)
    {
        if (!BlobHash.IsValid(pubkey))
            return BlossomError.BadRequest("pubkey must be 64-character lowercase hex");
        if (await ReadReasonAsync(request, cancellationToken) is not { } reason)
            return BlossomError.BadRequest(ReasonBodyShape);
        await moderation.BlockAsync(pubkey, reason, cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, BlossomError>> UnblockAsync(string pubkey, IModerationStore moderation, CancellationToken cancellationToken) =>
        BlobHash.IsValid(pubkey) && await moderation.UnblockAsync(pubkey, cancellationToken)
            ? TypedResults.NoContent()
            : BlossomError.NotFound("That pubkey is not blocked");

    internal static async Task<Ok<IReadOnlyList<BlockedBlob>>> ListBlockedBlobsAsync(IModerationStore moderation, CancellationToken cancellationToken) =>
        TypedResults.Ok(await moderation.BlockedBlobsAsync(cancellationToken));

    /// <summary>
    /// The block is written before the blob goes, so an upload racing the removal is refused rather
    /// than storing the blob again after it.
    /// </summary>
    internal static async Task<Results<NoContent, BlossomError>> BlockBlobAsync(
        string sha256, HttpRequest request, IModerationStore moderation, BlobService blobs, CancellationToken cancellationToken)
    {
        if (!BlobHash.IsValid(sha256))
            return BlossomError.BadRequest("sha256 must be 64-character lowercase hex");
        if (await ReadReasonAsync(request, cancellationToken) is not { } reason)
            return BlossomError.BadRequest(ReasonBodyShape);
        await moderation.BlockBlobAsync(sha256, reason, cancellationToken);
        await blobs.RemoveAsync(sha256, cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, BlossomError>> UnblockBlobAsync(string sha256, IModerationStore moderation, CancellationToken cancellationToken) =>
        BlobHash.IsValid(sha256) && await moderation.UnblockBlobAsync(sha256, cancellationToken)
            ? TypedResults.NoContent()
            : BlossomError.NotFound("That blob is not blocked");

    private const string ReasonBodyShape = "The body, when given, must be {\"reason\": \"…\"}";

    /// <summary>A block's optional <c>{"reason"}</c> body: empty without one, null when the body is not JSON.</summary>
    private static async Task<string?> ReadReasonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is not > 0)
            return "";
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            return body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString()! : "";
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A blob as the operator sees it.</summary>
public sealed record AdminBlob(
    BlobDescriptor Blob,
    IReadOnlyList<string> Owners,
    IReadOnlyList<AdminReport> Reports);

/// <summary>A report as the operator sees it; <c>event</c> is the signed event as received.</summary>
public sealed record AdminReport(
    string Id,
    string Sha256,
    string Reporter,
    string Type,
    string Content,
    long Received,
    JsonElement Event)
{
    public static AdminReport From(BlobReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var parsed = JsonDocument.Parse(report.Event);
        return new(report.EventId, report.Sha256, report.Reporter, report.Kind, report.Content, report.Received, parsed.RootElement.Clone());
    }
}
