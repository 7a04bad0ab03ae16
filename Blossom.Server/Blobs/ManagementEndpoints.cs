// BUD-12: GET /list/<pubkey> and DELETE /<sha256>.
using System.Globalization;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Retention;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class ManagementEndpoints
{
    public static RouteGroupBuilder MapManagementEndpoints(this IEndpointRouteBuilder app, ListOptions listOptions)
    {
        var group = app.MapGroup("").WithTags("BUD-12 management");

        var list = group.MapGroup("/list");
        if (listOptions.RequireAuth)
            list.RequireNostrAuthorization(AuthorizationVerb.List, XTagRule.NotApplicable, NostrAuthorizationMetadata.NoHash);
        list.MapGet("/{pubkey}", ListBlobsAsync)
            .WithName("ListBlobs")
            .WithSummary("A pubkey's blobs, newest first, paged by cursor and limit.");

        group.MapGroup("")
            .RequireNostrAuthorization(AuthorizationVerb.Delete, XTagRule.Required, NostrAuthorizationMetadata.HashFromRoute)
            .MapDelete(BlobRoute.Pattern, DeleteBlobAsync)
            .WithName("DeleteBlob")
            .WithSummary("Removes the caller's ownership; the blob goes with its last owner.");
        return group;
    }

    internal static async Task<Results<Ok<IReadOnlyList<BlobDescriptor>>, BlossomError>> ListBlobsAsync(
        string pubkey, HttpRequest request, BlobService blobs, BlobSunsets sunsets, IOptions<ListOptions> options, PublicBaseUrl baseUrl, CancellationToken cancellationToken)
    {
        if (!BlobHash.IsValid(pubkey))
            return BlossomError.BadRequest("pubkey must be 64-character lowercase hex");
        var query = request.Query;
        var cursor = query["cursor"].ToString();
        if (cursor.Length > 0 && !BlobHash.IsValid(cursor))
            return BlossomError.BadRequest("cursor must be the sha256 of a blob");
        if (!TryParseOptional(query["limit"], out var limit) || limit < 1)
            return BlossomError.BadRequest("limit must be a positive integer");
        if (!TryParseOptional(query["since"], out var since) || !TryParseOptional(query["until"], out var until))
            return BlossomError.BadRequest("since and until must be unix timestamps");

        var maxLimit = options.Value.MaxLimit;
        var page = await blobs.ListAsync(
            new BlobListQuery(pubkey, cursor.Length > 0 ? cursor : null, (int)Math.Min(limit ?? maxLimit, maxLimit), since, until),
            cancellationToken);
        if (page is null)
            return BlossomError.BadRequest("cursor is not a blob in this list");

        var prefix = baseUrl.For(request);
        // One query for the page's owners, and only when the storage rules announce removals.
        var sunsetOf = await sunsets.OfAsync(page, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<BlobDescriptor>>([.. page.Select(b => BlobDescriptor.From(b, prefix) with { Sunset = sunsetOf.TryGetValue(b.Sha256, out var sunset) ? sunset : null })]);
    }

    internal static async Task<Results<NoContent, BlossomError>> DeleteBlobAsync(
        string blob, HttpContext context, BlobService blobs, IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        var token = context.GetAuthorizationEvent()!;
        var sha256 = BlobRoute.HashOf(blob);
        // The skew granted to clocks ahead is granted to clocks behind too: a client whose clock is
        // a few seconds slow signs its delete "before" the upload it just made, and may still delete.
        var signedAtTheLatest = token.Event.CreatedAt + auth.Value.ClockSkewSeconds;
        var removal = await blobs.DeleteAsync(sha256, token.Pubkey, signedAtTheLatest, cancellationToken);
        return removal switch
        {
            OwnerRemoval.BlobNotFound => BlossomError.NotFound("Blob not found"),
            OwnerRemoval.NotOwner => BlossomError.Forbidden("Only an owner of the blob may delete it"),
            // A captured token replayed after the owner uploaded the blob again.
            OwnerRemoval.AuthorizedBeforeUpload => BlossomError.Forbidden("This delete token was created before your latest upload of the blob; sign a new one (is your clock behind?)"),
            _ => TypedResults.NoContent(),
        };
    }

    private static bool TryParseOptional(string? value, out long? parsed)
    {
        parsed = null;
        if (string.IsNullOrEmpty(value))
            return true;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            return false;
        parsed = number;
        return true;
    }
}
