using Blossom.Server.Options;

namespace Blossom.Server.Backends;

/// <summary>
/// The one place the backends are chosen: <c>Database:Provider</c> picks the database module and
/// <c>Storage:Kind</c> the storage module, each of which registers its whole matching set. Read from
/// the configuration while services are registered (the validators still check both values at
/// start-up); a value neither names falls to the default module, and its validator stops the start.
/// </summary>
internal static class BlossomBackends
{
    /// <summary>The key of the previews' (source, spec) sections, locks of their own apart from the blob locks.</summary>
    public const string PreviewLocksKey = "previews";

    public static IServiceCollection AddBlossomBackends(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration[$"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}"] ?? new DatabaseOptions().Provider;
        if (provider == DatabaseOptions.Postgres)
            services.AddPostgresBackend();
        else
            services.AddSqliteBackend();
        switch (configuration[$"{StorageOptions.Section}:{nameof(StorageOptions.Kind)}"] ?? new StorageOptions().Kind)
        {
            case "S3":
                services.AddS3Storage();
                break;
            default:
                services.AddFileSystemStorage();
                break;
        }
        return services;
    }
}
