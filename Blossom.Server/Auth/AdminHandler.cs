using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Admin:Pubkeys</c>: the operator API answers 403 to every other valid token.</summary>
internal sealed class AdminRequirement : IAuthorizationRequirement;

internal sealed class AdminHandler(IOptions<AdminOptions> options) : AuthorizationHandler<AdminRequirement>
{
    public const string Policy = "admin";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminRequirement requirement)
    {
        var pubkey = context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        if (pubkey is not null && options.Value.Pubkeys.Contains(pubkey, StringComparer.Ordinal))
            context.Succeed(requirement);
        else
            context.Fail(new AuthorizationFailureReason(this, "Only this server's operators (Admin:Pubkeys) may use the admin API"));
        return Task.CompletedTask;
    }
}
