using Blossom.Core.Auth;
using Blossom.Core.Ingest;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>One policy per BUD-11 verb, put on whole endpoint groups so no route can forget it.</summary>
internal static class NostrAuthorization
{
    /// <summary>The policy of upload groups whose tokens are optional (<c>Upload:RequireAuth=false</c>).</summary>
    public const string OptionalUploaderPolicy = "uploader-when-token";

    public static IServiceCollection AddNostrAuthorization(this IServiceCollection services)
    {
        // The core services only: the full AddAuthentication also brings DataProtection, whose key
        // ring this server has no use for and would write to the user's home folder.
        services.AddAuthenticationCore(o => o.DefaultScheme = NostrAuthenticationHandler.SchemeName);
        services.AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, NostrAuthenticationHandler>(NostrAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, AllowedUploaderHandler>();
        services.AddSingleton<IAuthorizationHandler, AdminHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ReasonedForbidHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthorizationVerb.Upload, p => p.RequireAuthenticatedUser().AddRequirements(new AllowedUploaderRequirement(AllowsAnonymous: false)))
            .AddPolicy(AuthorizationVerb.Media, p => p.RequireAuthenticatedUser().AddRequirements(new AllowedUploaderRequirement(AllowsAnonymous: false)))
            .AddPolicy(OptionalUploaderPolicy, p => p.AddRequirements(new AllowedUploaderRequirement(AllowsAnonymous: true)))
            .AddPolicy(AuthorizationVerb.Delete, p => p.RequireAuthenticatedUser())
            .AddPolicy(AuthorizationVerb.List, p => p.RequireAuthenticatedUser())
            .AddPolicy(AdminHandler.Policy, p => p.RequireAuthenticatedUser().AddRequirements(new AdminRequirement()));
        return services;
    }

    /// <summary>Tokens for this group must carry <paramref name="verb"/>; the verb's policy is required.</summary>
    public static TBuilder RequireNostrAuthorization<TBuilder>(this TBuilder builder, string verb, XTagRule xTags, Func<HttpRequest, string?> impliedHash)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireNostrAuthorization(verb, [verb], xTags, impliedHash);

    /// <summary>Tokens for this group must carry one of <paramref name="verbs"/>; <paramref name="policy"/> is required.</summary>
    public static TBuilder RequireNostrAuthorization<TBuilder>(this TBuilder builder, string policy, IReadOnlyList<string> verbs, XTagRule xTags, Func<HttpRequest, string?> impliedHash)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new NostrAuthorizationMetadata(verbs, xTags, impliedHash)).RequireAuthorization(policy);

    /// <summary>An upload group where tokens are optional: see <see cref="AcceptUploaderAuthorization{TBuilder}(TBuilder, IReadOnlyList{string}, XTagRule, Func{HttpRequest, string?})"/>.</summary>
    public static TBuilder AcceptUploaderAuthorization<TBuilder>(this TBuilder builder, string verb, XTagRule xTags, Func<HttpRequest, string?> impliedHash)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AcceptUploaderAuthorization([verb], xTags, impliedHash);

    /// <summary>
    /// An upload group where tokens are optional: a request without one is anonymous, but a token
    /// that is sent must be valid and pass the same uploader policy as where tokens are required,
    /// or a blocked pubkey could upload (as the owner, with its quota) just by sending its token.
    /// </summary>
    public static TBuilder AcceptUploaderAuthorization<TBuilder>(this TBuilder builder, IReadOnlyList<string> verbs, XTagRule xTags, Func<HttpRequest, string?> impliedHash)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireNostrAuthorization(OptionalUploaderPolicy, verbs, xTags, impliedHash);
}
