using System.Security.Claims;
using System.Text.Encodings.Web;
using Blossom.Core.Federation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Authenticates a request from another Matrix server by its <c>X-Matrix</c> authorization (server-server
/// API, "Request Authentication"): the origin server becomes the request's user. A request without a
/// valid signature is answered 401 <c>M_UNAUTHORIZED</c>, one from a server federation does not talk
/// with 403 <c>M_FORBIDDEN</c>. The URI signed is the request target exactly as sent.
/// </summary>
internal sealed class FederationAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    FederationRequestVerifier verifier) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "X-Matrix";

    public const string ServerPolicy = "matrix-server";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization.Where(h => h is not null).Select(h => h!).ToList();
        var target = Context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : $"{Request.PathBase}{Request.Path}{Request.QueryString}";
        var result = await verifier.VerifyAsync(headers, Request.Method, target, content: null, Context.RequestAborted);
        if (result.Refusal is { } refusal)
            return AuthenticateResult.Fail(new FederationRefusedException(refusal));
        return AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, result.Value)], SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var error = result.Failure is FederationRefusedException { Refusal: { Kind: FederationRefusalKind.Forbidden } forbidden }
            ? MatrixError.Forbidden(forbidden.Reason)
            : new MatrixError(StatusCodes.Status401Unauthorized, "M_UNAUTHORIZED", result.Failure?.Message ?? "Missing X-Matrix authorization");
        await error.ExecuteAsync(Context);
    }
}

/// <summary>The verifier refused a federation request.</summary>
internal sealed class FederationRefusedException(FederationRefusal refusal) : Exception(refusal.Reason)
{
    public FederationRefusal Refusal { get; } = refusal;
}
