using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Blossom.Server;

/// <summary>Answers a policy refusal with 403 and the refusing handler's reason, instead of a bare 403.</summary>
internal sealed class ReasonedForbidHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (!authorizeResult.Forbidden)
            return _default.HandleAsync(next, context, policy, authorizeResult);
        var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message ?? "Not allowed by server policy";
        return BlossomError.Forbidden(reason).ExecuteAsync(context);
    }
}
