using Blossom.Core.Auth;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

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
