using System.Net;
using Blossom.Core;
using Blossom.Server.Options;
using OpenTelemetry.Metrics;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Blossom.Server.Http;

/// <summary>What running the server in production needs around the endpoints: proxies, logs, the API description.</summary>
internal static class Operations
{
    /// <summary><c>Logs:Format=Json</c>: the framework's JSON console, with scopes, so every line carries its request id.</summary>
    public static WebApplicationBuilder AddBlossomLogging(this WebApplicationBuilder builder)
    {
        if (string.Equals(builder.Configuration[$"{LogsOptions.Section}:Format"], "Json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        return builder;
    }

    /// <summary>
    /// Prometheus metrics at <c>/metrics</c> through OpenTelemetry: HTTP requests (count and latency
    /// by route and status), Kestrel connections, and the server's own <see cref="BlossomMetrics"/>.
    /// </summary>
    public static IServiceCollection AddBlossomMetrics(this IServiceCollection services)
    {
        services.AddSingleton<BlossomMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter("Microsoft.AspNetCore.Server.Kestrel", BlossomMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>The forwarded-headers middleware, trusting only the configured proxies (loopback when none).</summary>
    public static IServiceCollection AddBlossomForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxy) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var entry in proxy.Value.KnownProxies)
            {
                if (IPAddress.TryParse(entry, out var address))
                    forwarded.KnownProxies.Add(address);
                else
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry));
            }
        });
        return services;
    }

    public static IApplicationBuilder UseBlossomForwardedHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.TrustForwardedHeaders ? app.UseForwardedHeaders() : app;
    }
}
