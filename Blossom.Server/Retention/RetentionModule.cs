using Blossom.Core.Retention;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Storage rules: the policy, the sweep that applies them, the fetch times idle rules count from,
/// BUD-01's <c>Sunset</c> on blobs that are to go and the operator's preview of the next sweep.
/// </summary>
internal static class RetentionModule
{
    public static WebApplicationBuilder AddBlossomRetention(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<RetentionOptions, RetentionOptionsValidator>(RetentionOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RetentionOptions>>().Value.ToPolicy());
        services.AddSingleton<BlobFetches>();
        services.AddSingleton<BlobSunsets>();
        services.AddSingleton<RetentionSweep>();
        services.AddHostedService<RetentionSweepService>();
        return builder;
    }

    public static WebApplication MapBlossomRetention(this WebApplication app)
    {
        app.MapRetentionEndpoints();
        return app;
    }
}
