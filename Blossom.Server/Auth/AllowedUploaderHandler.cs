using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Authorization;

namespace Blossom.Server;

/// <summary>
/// <c>Upload:AllowedPubkeys</c> and the operator's block list: a valid token from a pubkey not
/// allowed, or blocked, is refused with 403. <paramref name="AllowsAnonymous"/>: a request that
/// sends no token passes (one whose token failed does not, and gets the 401 and its reason).
/// </summary>
internal sealed record AllowedUploaderRequirement(bool AllowsAnonymous) : IAuthorizationRequirement;

internal sealed class AllowedUploaderHandler(UploaderPolicy policy) : AuthorizationHandler<AllowedUploaderRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AllowedUploaderRequirement requirement)
    {
        var pubkey = context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        if (pubkey is null && requirement.AllowsAnonymous)
        {
            if (context.Resource is HttpContext { Request.Headers.Authorization.Count: 0 })
                context.Succeed(requirement);
            else
                context.Fail(); // a token was sent and failed: the challenge answers 401 with its reason
        }
        else if (await policy.CheckAsync(pubkey, CancellationToken.None) is { } refusal)
            context.Fail(new AuthorizationFailureReason(this, refusal.Reason));
        else
            context.Succeed(requirement);
    }
}
