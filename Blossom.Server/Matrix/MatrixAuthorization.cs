using Microsoft.AspNetCore.Authentication;

namespace Blossom.Server;

/// <summary>Matrix access tokens: the scheme, the homeserver client that checks them, and the policy put on whole route groups.</summary>
internal static class MatrixAuthorization
{
    public const string UserPolicy = "matrix-user";

    /// <summary>How long a token check may wait for the homeserver before the request is answered 502.</summary>
    internal static readonly TimeSpan HomeserverTimeout = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddMatrixAuthorization(this IServiceCollection services)
    {
        services.AddHttpClient(HomeserverTokens.HttpClientName, c => c.Timeout = HomeserverTimeout);
        services.AddSingleton<FailedTokenChecks>();
        services.AddSingleton<HomeserverTokens>();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, MatrixAuthenticationHandler>(MatrixAuthenticationHandler.SchemeName, null);
        // Matrix routes carry Matrix tokens: the default scheme hands them to the Matrix handler, so
        // the user is known before the per-user rate limit, as with Nostr tokens, and the challenge
        // of a failed token is the Matrix one.
        services.Configure<AuthenticationSchemeOptions>(NostrAuthenticationHandler.SchemeName, o =>
            o.ForwardDefaultSelector = context => MatrixError.Applies(context) ? MatrixAuthenticationHandler.SchemeName : null);
        services.AddAuthorizationBuilder().AddPolicy(UserPolicy, p => p.RequireAuthenticatedUser());
        return services;
    }

    /// <summary>Every route of the group needs a Matrix user's token; <paramref name="allowsQueryToken"/>: also as <c>access_token</c>.</summary>
    public static TBuilder RequireMatrixUser<TBuilder>(this TBuilder builder, bool allowsQueryToken) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MatrixAuthenticationMetadata(allowsQueryToken)).RequireAuthorization(UserPolicy);

    /// <summary>The authenticated Matrix user id.</summary>
    public static string MatrixUserId(this HttpContext context) =>
        context?.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? throw new InvalidOperationException("The route has no Matrix user.");
}
