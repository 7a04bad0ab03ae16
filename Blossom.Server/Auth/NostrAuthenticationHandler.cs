using System.Security.Claims;
using System.Text.Encodings.Web;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Authenticates <c>Authorization: Nostr …</c> against what the matched endpoint declares in its
/// <see cref="NostrAuthorizationMetadata"/>: verb, <c>x</c> rule and implied blob (BUD-11).
/// A failure is answered 401 with the reason; the signature is only checked after the cheap rules.
/// </summary>
internal sealed class NostrAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> authOptions,
    ServerNames serverNames,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = AuthorizationEvent.Scheme;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var metadata = Context.GetEndpoint()?.Metadata.GetMetadata<NostrAuthorizationMetadata>();
        var header = Request.Headers.Authorization.ToString();
        if (metadata is null || header.Length == 0)
            return Task.FromResult(AuthenticateResult.NoResult());

        var request = new AuthorizationRequest(metadata.Verbs, metadata.XTags, metadata.ImpliedHash(Request), serverNames.Names);
        var auth = authOptions.Value;
        var result = AuthorizationEvent.Validate(header, request, time.GetUtcNow(), TimeSpan.FromSeconds(auth.ClockSkewSeconds), TimeSpan.FromSeconds(auth.MaxTokenLifetimeSeconds));
        if (result.Event is not { } authorization)
            return Task.FromResult(AuthenticateResult.Fail(result.Failure!));

        Context.Features.Set(authorization);
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, authorization.Pubkey)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = SchemeName;
        await BlossomError.Unauthorized(result.Failure?.Message ?? "Authorization required: send a signed kind 24242 event").ExecuteAsync(Context);
    }
}

/// <summary>What an endpoint group asks of tokens; read by the handler before any signature work.</summary>
internal sealed record NostrAuthorizationMetadata(IReadOnlyList<string> Verbs, XTagRule XTags, Func<HttpRequest, string?> ImpliedHash)
{
    /// <summary>The blob named by the <c>X-SHA-256</c> header, when it is a well-formed hash.</summary>
    public static string? HashFromHeader(HttpRequest request) => BlobRequest.Sha256Header(request) is { Valid: true } h ? h.Value : null;

    /// <summary>The blob named by the path <c>/&lt;sha256&gt;[.ext]</c>.</summary>
    public static string? HashFromRoute(HttpRequest request) =>
        request.RouteValues[BlobRoute.Parameter] is string path ? BlobRoute.HashOf(path) : null;

    public static string? NoHash(HttpRequest request) => null;
}

internal static class AuthorizationEventAccess
{
    /// <summary>The token that authenticated this request, if any.</summary>
    public static AuthorizationEvent? GetAuthorizationEvent(this HttpContext context) => context.Features.Get<AuthorizationEvent>();
}
