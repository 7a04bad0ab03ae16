using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Authenticates a Matrix access token (<c>Authorization: Bearer …</c>, or the legacy
/// <c>access_token</c> query parameter where the route's <see cref="MatrixAuthenticationMetadata"/>
/// allows it) with the homeserver. The user id becomes the request's user, the owner of what it
/// uploads. Failures are answered in Matrix form: no token 401 <c>M_MISSING_TOKEN</c>, a token the
/// homeserver does not know (or a guest's) 401 <c>M_UNKNOWN_TOKEN</c>, a token not checked because its
/// client made too many failed checks or every check slot is taken 429 <c>M_LIMIT_EXCEEDED</c>, a
/// homeserver that cannot be asked 502 <c>M_UNKNOWN</c>: never let through unchecked.
/// </summary>
internal sealed class MatrixAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    HomeserverTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Matrix";

    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var metadata = Context.GetEndpoint()?.Metadata.GetMetadata<MatrixAuthenticationMetadata>();
        if (metadata is null || TokenOf(Request, metadata.AllowsQueryToken) is not { } token)
            return AuthenticateResult.NoResult();

        var check = await tokens.CheckAsync(token, Context.Connection.RemoteIpAddress, Context.RequestAborted);
        return check.Kind switch
        {
            TokenCheckKind.Valid => AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, check.UserId!)], SchemeName)), SchemeName)),
            TokenCheckKind.Unknown => AuthenticateResult.Fail("Unknown access token"),
            TokenCheckKind.Limited => AuthenticateResult.Fail(new TokenChecksLimitedException(check.RetryAfter ?? TimeSpan.FromSeconds(1))),
            _ => AuthenticateResult.Fail(new HomeserverUnreachableException()),
        };
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var error = result.Failure switch
        {
            HomeserverUnreachableException => MatrixError.HomeserverUnreachable(),
            TokenChecksLimitedException limited => MatrixError.LimitExceeded(limited.Message, limited.RetryAfter),
            { } failure => MatrixError.UnknownToken(failure.Message),
            null => MatrixError.MissingToken("Missing access token"),
        };
        if (error.StatusCode == StatusCodes.Status401Unauthorized)
            Response.Headers.WWWAuthenticate = "Bearer";
        await error.ExecuteAsync(Context);
    }

    /// <summary>The header's bearer token, else (when allowed) the query's; null when neither is there.</summary>
    private static string? TokenOf(HttpRequest request, bool allowsQueryToken)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) && header.Length > BearerPrefix.Length)
            return header[BearerPrefix.Length..].Trim();
        return allowsQueryToken && request.Query["access_token"].ToString() is { Length: > 0 } query ? query : null;
    }
}

/// <summary>The homeserver could not say whether a token is valid.</summary>
internal sealed class HomeserverUnreachableException() : Exception("Homeserver unreachable");

/// <summary>The token was not checked: too many failed checks from the client's address, or every check slot taken.</summary>
internal sealed class TokenChecksLimitedException(TimeSpan retryAfter) : Exception("Too many access token checks; try again later")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>That a route's group takes Matrix access tokens, and whether in the query too (the legacy <c>/_matrix/media/v3</c> routes).</summary>
internal sealed record MatrixAuthenticationMetadata(bool AllowsQueryToken);
