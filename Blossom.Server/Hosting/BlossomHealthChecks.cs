using Blossom.Core.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Blossom.Server;

/// <summary>Ready means the database answers and the store takes writes.</summary>
internal sealed class BlobIndexHealthCheck(IBlobIndex index) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await index.CheckReachableAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}

/// <summary>
/// The store takes writes: Degraded, not Unhealthy, when the disk is full (the probe's own write,
/// or a write refused within the last minute), because reads are still served.
/// </summary>
internal sealed class BlobStoreHealthCheck(IBlobStore store, StorageSpace space) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckWritableAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (OutOfSpace.Is(e))
        {
            space.ReportFull();
        }
        return space.IsFull ? HealthCheckResult.Degraded(StorageSpace.FullReason) : HealthCheckResult.Healthy();
    }
}

/// <summary>
/// Remembers that a write failed for want of space (blob store or database), for a minute: long
/// enough for health checks to report it, short enough that freed space is noticed without a restart.
/// </summary>
internal sealed class StorageSpace(TimeProvider time)
{
    public const string FullReason = "The server is out of storage space";

    private static readonly TimeSpan Memory = TimeSpan.FromMinutes(1);
    private long _lastFullTicks;

    public bool IsFull => time.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastFullTicks) < Memory.Ticks;

    public void ReportFull() => Interlocked.Exchange(ref _lastFullTicks, time.GetUtcNow().UtcTicks);
}

/// <summary>With the media optimizer on, ready also means ffmpeg and ffprobe run and have the encoders it uses.</summary>
internal sealed class FfmpegHealthCheck(Microsoft.Extensions.Options.IOptions<MediaOptions> media) : IHealthCheck
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
    /// <c>/healthz</c>: database migrated and reachable, storage writable (CONTRACT); a full disk
    /// answers 200 "Degraded", so a node that still serves reads stays in its load balancer.
    /// <c>/readyz</c>: those and the media tools, for orchestrators that should route no traffic to
    /// a server that cannot optimize; Degraded (writes failing) is 503 there.
    /// </summary>
    public static IEndpointRouteBuilder MapBlossomHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = check => !check.Tags.Contains(ReadinessTag) });
        var ready = new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions();
        ready.ResultStatusCodes[HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable;
        app.MapHealthChecks("/readyz", ready);
        return app;
    }
}
