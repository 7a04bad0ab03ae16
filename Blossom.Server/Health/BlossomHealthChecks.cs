using Blossom.Core.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Blossom.Server.Health;

/// <summary>Ready means the database answers and the store takes writes.</summary>
internal sealed class BlobIndexHealthCheck(IBlobIndex index) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await index.CheckReachableAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}

internal sealed class BlobStoreHealthCheck(IBlobStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await store.CheckWritableAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}

/// <summary>With the media optimizer on, ready also means ffmpeg and ffprobe run and have the encoders it uses.</summary>
internal sealed class FfmpegHealthCheck(Microsoft.Extensions.Options.IOptions<Options.MediaOptions> media) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!media.Value.Enabled)
            return HealthCheckResult.Healthy("media optimizer off");
        return await Blossom.Core.Media.FfmpegProcess.CheckAvailableAsync(cancellationToken).ConfigureAwait(false) is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy();
    }
}

internal static class HealthEndpoints
{
    public const string ReadinessTag = "ready";

    /// <summary>
    /// <c>/healthz</c>: database migrated and reachable, storage writable (CONTRACT). <c>/readyz</c>:
    /// those and the media tools, for orchestrators that should route no traffic to a server that
    /// cannot optimize.
    /// </summary>
    public static IEndpointRouteBuilder MapBlossomHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = check => !check.Tags.Contains(ReadinessTag) });
        app.MapHealthChecks("/readyz");
        return app;
    }
}
