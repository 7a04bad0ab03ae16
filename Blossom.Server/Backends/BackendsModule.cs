namespace Blossom.Server;

/// <summary>
/// The database and the blob storage, chosen once: <c>Database:Provider</c> picks the database module and
/// <c>Storage:Kind</c> the storage module, each of which registers its whole matching set and readies it at
/// start-up. Read from the configuration while services are registered; a value outside either set fails the
/// binding there, naming the setting.
/// </summary>
internal static class BackendsModule
{
    /// <summary>The key of the previews' (source, spec) sections, locks of their own apart from the blob locks.</summary>
    public const string PreviewLocksKey = "previews";

    /// <summary>The locks one fetch of a remote Matrix media holds, so concurrent requests on any node make one fetch.</summary>
    public const string RemoteMediaLocksKey = "matrix-remote-media";

    public static WebApplicationBuilder AddBlossomBackends(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        services.AddSettings<DatabaseOptions, DatabaseOptionsValidator>(DatabaseOptions.Section);
        var database = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        if (database.Provider == DatabaseProvider.Postgres)
            services.AddPostgresBackend();
        else
            services.AddSqliteBackend();
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new();
        if (storage.Kind == StorageKind.S3)
            services.AddS3Storage();
        else
            services.AddFileSystemStorage();
        return builder;
    }
}
