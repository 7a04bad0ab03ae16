using System.Net;
using System.Security.Cryptography;
using System.Text;
using Blossom.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Blossom.Server;

/// <summary>What running the server in production needs around the endpoints: proxies, logs, metrics, the API description.</summary>
internal static class Operations
{
    /// <summary>Where a scraper usually sits: this host, or a private (container, LAN) network.</summary>
    private static readonly IPNetwork[] LocalNetworks =
        [.. new[] { "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7" }.Select(n => IPNetwork.Parse(n))];

    /// <summary>
    /// Log levels that differ from the framework's: the access log at Information, and the
    /// HttpClient's own lines at Warning, which would otherwise print four lines for each Matrix
    /// token check and each outbound fetch. Set below every configuration source, so
    /// <c>Logging:LogLevel</c> in appsettings or the environment still changes them.
    /// </summary>
    private static readonly Dictionary<string, string?> LogLevelDefaults = new(StringComparer.Ordinal)
    {
        [$"Logging:LogLevel:{AccessLog.Category}"] = nameof(LogLevel.Information),
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = nameof(LogLevel.Warning),
    };

    /// <summary>
    /// The default log levels (<see cref="LogLevelDefaults"/>) and, with <c>Logs:Format=Json</c>, the
    /// framework's JSON console, with scopes, so every line carries its request id.
    /// </summary>
    public static WebApplicationBuilder AddBlossomLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = LogLevelDefaults });
        if (builder.Configuration.GetSection(LogsOptions.Section).Get<LogsOptions>()?.Format == LogFormat.Json)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        return builder;
    }

    /// <summary>
    /// Prometheus metrics at <c>/metrics</c> through OpenTelemetry: HTTP requests (count and latency
    /// by route and status), Kestrel connections, and the server's own <see cref="BlossomMetrics"/>.
    /// <c>target_info</c> names the node (<c>service_instance_id</c>, from <c>Node:Name</c>), the
    /// OpenMetrics way for a scraper to tell the nodes of one cluster apart and label their series.
    /// </summary>
    public static IServiceCollection AddBlossomMetrics(this IServiceCollection services)
    {
        services.AddSingleton<BlossomMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddDetector(sp => new NodeResource(sp.GetRequiredService<IOptions<NodeOptions>>().Value.NameOrHost)))
            .WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter("Microsoft.AspNetCore.Server.Kestrel", BlossomMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> for the scrapers <c>Blossom:Metrics</c> allows: request counts, routes and queue
    /// lengths tell an outsider too much about the server's traffic to be public by default.
    /// Refused: 403 from another network, 401 without the bearer token when one is set. Those
    /// gates decide who scrapes, so the per-IP request budget does not: a scraper sharing an
    /// address with busy clients must not lose its samples to their 429s.
    /// </summary>
    public static IEndpointConventionBuilder MapBlossomMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        IPNetwork[] allowed = options.AllowedNetworks.Count == 0 ? LocalNetworks : [.. options.AllowedNetworks.Select(ParseNetwork)];
        var token = options.BearerToken.Length == 0 ? null : Encoding.UTF8.GetBytes(options.BearerToken);
        return app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (MetricsRefusal(context, allowed, token) is { } refusal)
                await refusal.ExecuteAsync(context);
            else
                await next(context);
        }), optionsName: null).WithIpRateLimit(IpRateLimit.Unlimited);
    }

    private static BlossomError? MetricsRefusal(HttpContext context, IPNetwork[] allowed, byte[]? token)
    {
        var client = context.Connection.RemoteIpAddress;
        if (client?.IsIPv4MappedToIPv6 == true)
            client = client.MapToIPv4();
        if (client is null || !allowed.Any(n => n.Contains(client)))
            return BlossomError.Forbidden("Metrics are not served to this address");
        if (token is null)
            return null;
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), token))
            return null;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return BlossomError.Unauthorized("Metrics need the configured bearer token");
    }

    /// <summary>A CIDR network, or a single address as a network of one.</summary>
    private static IPNetwork ParseNetwork(string entry) =>
        IPAddress.TryParse(entry, out var address) ? new IPNetwork(address, address.GetAddressBytes().Length * 8) : IPNetwork.Parse(entry);

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
