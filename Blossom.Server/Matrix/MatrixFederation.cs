using Blossom.Core.Blobs;
using Blossom.Core.Federation;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Outbound;
using DnsClient;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Media across Matrix servers: the signed federation client, other servers' keys, the check of their
/// requests, the remote media cache and its sweep. Every outbound request goes through the same guard
/// as mirror and URL previews (<c>Mirror:AllowPrivateNetworks</c>, <c>Mirror:AllowedPrivateHosts</c>);
/// requests to a server of <c>Matrix:Federation:KnownServers</c> go where the operator said, private or not.
/// </summary>
internal static class MatrixFederation
{
    public static IServiceCollection AddMatrixFederation(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var federation = Settings(sp).Federation;
            var mirror = sp.GetRequiredService<IOptions<MirrorOptions>>().Value;
            var guard = new OriginGuard(mirror.AllowPrivateNetworks, mirror.AllowedPrivateHosts);
            var resolver = new FederationResolver(
                [.. federation.KnownServers.Select(k => new KnownFederationServer(k.Name, new Uri(k.Url)))],
                FederationResolver.CreateWellKnownClient(guard),
                new LookupClient(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<FederationResolver>>());
            return new FederationTransport(resolver, guard);
        });
        services.AddSingleton(sp =>
        {
            var matrix = Settings(sp);
            var key = matrix.SigningKeyPath.Length > 0 ? MatrixSigningKey.Load(matrix.SigningKeyPath) : null;
            return new FederationClient(sp.GetRequiredService<FederationTransport>(), key, matrix.ServerName);
        });
        services.AddSingleton(sp => new ServerKeyStore(sp.GetRequiredService<FederationClient>(), Settings(sp).Federation.TrustedKeyServers,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ServerKeyStore>>()));
        services.AddSingleton(sp => Peers(Settings(sp).Federation));
        services.AddSingleton(sp => new FederationRequestVerifier(sp.GetRequiredService<ServerKeyStore>(), sp.GetRequiredService<FederationPeers>(), Settings(sp).ServerName));
        services.AddSingleton(sp =>
        {
            var matrix = Settings(sp);
            var federation = matrix.Federation;
            return new MatrixRemoteSettings(
                federation.RemoteMediaMaxBytes > 0 ? federation.RemoteMediaMaxBytes : sp.GetRequiredService<MatrixMediaSettings>().Limits.MaxSizeBytes,
                TimeSpan.FromSeconds(federation.RemoteFetchTimeoutSeconds),
                federation.MaxConcurrentRemoteFetches,
                federation.RemoteCacheMaxBytes,
                federation.RemoteCacheMaxAgeDays > 0 ? TimeSpan.FromDays(federation.RemoteCacheMaxAgeDays) : null);
        });
        services.AddSingleton(sp => new MatrixRemoteMediaService(
            sp.GetRequiredService<IMatrixRemoteMediaIndex>(),
            sp.GetRequiredService<IMatrixQuarantine>(),
            sp.GetRequiredService<BlobService>(),
            sp.GetRequiredService<BlobIngest>(),
            sp.GetRequiredService<FederationClient>(),
            sp.GetRequiredService<OutboundClient>(),
            sp.GetRequiredKeyedService<IBlobLocks>(BackendsModule.RemoteMediaLocksKey),
            sp.GetRequiredService<MatrixRemoteSettings>(),
            sp.GetRequiredService<FederationPeers>(),
            sp.GetRequiredService<Blossom.Core.BlossomMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MatrixRemoteMediaService>>()));
        services.AddHostedService<MatrixFederationStartup>();
        services.AddHostedService<MatrixRemoteCacheSweepService>();

        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, FederationAuthenticationHandler>(FederationAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(FederationAuthenticationHandler.ServerPolicy, p => p
            .AddAuthenticationSchemes(FederationAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());
        return services;
    }

    private static MatrixOptions Settings(IServiceProvider services) => services.GetRequiredService<IOptions<MatrixOptions>>().Value;

    private static FederationPeers Peers(MatrixFederationOptions federation) =>
        new([.. federation.AllowedServers.Select(s => s.ToLowerInvariant())], [.. federation.DeniedServers.Select(s => s.ToLowerInvariant())]);
}

/// <summary>Loads the signing key at start-up when Matrix is on, so a missing or malformed key stops the start with its reason instead of failing the first remote fetch.</summary>
internal sealed class MatrixFederationStartup(IOptions<MatrixOptions> options, IServiceProvider services) : StartupStep
{
    public override Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
            services.GetRequiredService<FederationClient>();
        return Task.CompletedTask;
    }
}
