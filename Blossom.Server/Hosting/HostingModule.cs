using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// What every feature runs inside: settings of the server as a whole, logs, errors, CORS, rate limits,
/// forwarded headers, metrics, health checks and the API description.
/// </summary>
internal static class HostingModule
{
    public static WebApplicationBuilder AddBlossomHosting(this WebApplicationBuilder builder)
    {
        builder.AddBlossomLogging();
        var services = builder.Services;
        services.AddSettings<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);
        services.AddSettings<ProxyOptions, ProxyOptionsValidator>(ProxyOptions.Section);
        services.AddSettings<LogsOptions>(LogsOptions.Section);
        services.AddSettings<MetricsOptions, MetricsOptionsValidator>(MetricsOptions.Section);
        services.AddSettings<NodeOptions, NodeOptionsValidator>(NodeOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BlossomJsonContext.Default));
        services.AddBlossomRateLimits();
        services.AddBlossomForwardedHeaders();
        services.AddBlossomApiDocs();
        services.AddBlossomMetrics();
        services.AddHostedService<StorageGauges>();
        services.AddSingleton<StorageSpace>();
        services.AddHealthChecks()
            .AddCheck<BlobIndexHealthCheck>("database")
            .AddCheck<BlobStoreHealthCheck>("storage")
            .AddCheck<FfmpegHealthCheck>("ffmpeg", tags: [HealthEndpoints.ReadinessTag]);
        return builder;
    }

    /// <summary>The pipeline before authentication: proxy headers → access log → CORS → errors → landing page → per-IP limits.</summary>
    public static WebApplication UseBlossomHosting(this WebApplication app)
    {
        app.UseBlossomForwardedHeaders();
        app.UseBlossomAccessLog();
        app.UseCrossOriginHeaders();
        app.UseBlossomErrorResponses();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseBlossomIpRateLimits();
        return app;
    }

    /// <summary>Health checks, the OpenAPI document with its reference at <c>/docs</c>, and the Prometheus scrape.</summary>
    public static WebApplication MapBlossomHosting(this WebApplication app)
    {
        app.MapBlossomHealthChecks();
        app.MapBlossomApiDocs();
        app.MapBlossomMetrics();
        return app;
    }

    /// <summary>A feature's settings as bound at start-up, for deciding which routes exist.</summary>
    public static TOptions SettingsOf<TOptions>(this WebApplication app) where TOptions : class =>
        app.Services.GetRequiredService<IOptions<TOptions>>().Value;
}
