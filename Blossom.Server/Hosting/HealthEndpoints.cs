using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Blossom.Server;

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
        var ready = new HealthCheckOptions();
        ready.ResultStatusCodes[HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable;
        app.MapHealthChecks("/readyz", ready);
        return app;
    }
}
