using Blossom.Core.Auth;

namespace Blossom.Server;

/// <summary>Nostr authorization (BUD-11): the token handler, one policy per verb, the names this server answers to.</summary>
internal static class AuthModule
{
    public static WebApplicationBuilder AddBlossomAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        builder.Services.AddSingleton<ServerNames>();
        builder.Services.AddNostrAuthorization();
        return builder;
    }

    /// <summary>The pipeline from authentication on: auth → per-pubkey limits → authorization. Checks libsecp256k1 first, so a server that listens can verify tokens.</summary>
    public static WebApplication UseBlossomAuth(this WebApplication app)
    {
        SchnorrSignature.EnsureAvailable();
        app.Lifetime.ApplicationStarted.Register(app.Services.GetRequiredService<ServerNames>().OnServerStarted);
        app.UseAuthentication();
        app.UseBlossomPubkeyRateLimits();
        app.UseAuthorization();
        return app;
    }
}
