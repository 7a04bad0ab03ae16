using System.Text.Json;
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
    /// a server that cannot optimize; Degraded (writes failing) is 503 there. It answers JSON with
    /// each check, so an operator sees which one failed and how long each took.
    /// </summary>
    public static IEndpointRouteBuilder MapBlossomHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = check => !check.Tags.Contains(ReadinessTag) });
        var ready = new HealthCheckOptions { ResponseWriter = WriteReportAsync };
        ready.ResultStatusCodes[HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable;
        app.MapHealthChecks("/readyz", ready);
        return app;
    }

    /// <summary>
    /// <c>{"status": "Healthy", "durationMs": 3.1, "checks": [{"name": "database", "status": "Healthy",
    /// "durationMs": 1.2, "description": null}, …]}</c>.
    /// </summary>
    private static async Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            json.WriteString("description", entry.Description ?? entry.Exception?.Message);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
