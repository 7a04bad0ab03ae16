using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Server.Auth;
using Blossom.Server.Health;
using Blossom.Server.Http;
using Blossom.Server.Options;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>The services and start-up steps behind <c>Program.cs</c>.</summary>
internal static class Startup
{
    public static IServiceCollection AddBlossom(this IServiceCollection services)
    {
        services.AddBlossomOptions();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IBlobStore>(sp => new FileSystemBlobStore(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Path));
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        services.AddSingleton<IBlobIndex, SqliteBlobIndex>();
        services.AddSingleton<BlobService>();
        services.AddSingleton<PublicBaseUrl>();
        services.AddRouting(o => o.SetParameterPolicy<BlobRoute>(BlobRoute.ConstraintName));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BlossomJsonContext.Default));
        services.AddNostrAuthorization();
        services.AddHealthChecks()
            .AddCheck<BlobIndexHealthCheck>("database")
            .AddCheck<BlobStoreHealthCheck>("storage");
        return services;
    }

    /// <summary>
    /// Checks native dependencies, applies migrations and sweeps interrupted uploads before the
    /// first request, so a server that listens is a server that works.
    /// </summary>
    public static async Task InitializeBlossomAsync(this WebApplication app)
    {
        SchnorrSignature.EnsureAvailable();
        await app.Services.GetRequiredService<IBlobIndex>().MigrateAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        await app.Services.GetRequiredService<IBlobStore>().InitializeAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
    }
}
