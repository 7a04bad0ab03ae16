using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>RateLimit:*</c> through the framework's rate limiter, in two places of the pipeline: a fixed
/// window per IP address before authentication, so a flood of bad tokens is refused without a
/// signature check, and one per pubkey after it, for requests whose token is valid. A refusal is
/// 429 with <c>Retry-After</c> and a reason, like every other refusal.
/// </summary>
internal static class RateLimits
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddBlossomRateLimits(this IServiceCollection services) =>
        // The limiters themselves are built where the pipeline places them; these are the services they use.
        services.AddRateLimiter(_ => { });

    /// <summary>Marks the endpoints of <paramref name="builder"/> as drawing from <paramref name="limit"/>'s per-IP budget.</summary>
    public static TBuilder WithIpRateLimit<TBuilder>(this TBuilder builder, IpRateLimit limit) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(limit);

    /// <summary>
    /// The per-IP budgets. An endpoint draws from the one its <see cref="IpRateLimit"/> metadata
    /// names, <see cref="IpRateLimit.Requests"/> when it names none; a path no endpoint matches
    /// is as cheap as a blob read and draws from <see cref="IpRateLimit.Reads"/>. A request no
    /// budget applies to (blob reads by default) skips the limiter, whose bookkeeping would cost
    /// a blob read a good share of its time.
    /// </summary>
    public static IApplicationBuilder UseBlossomIpRateLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var limiter = PartitionedRateLimiter.Create<HttpContext, (string Budget, string Address)>(context =>
        {
            var limit = IpLimitOf(context);
            return RateLimitPartition.GetFixedWindowLimiter((limit.Name, context.Connection.RemoteIpAddress?.ToString() ?? ""), _ => Limit(limit.PermitsPerMinute(settings)));
        });
        return app.UseWhen(context => IpLimitOf(context).PermitsPerMinute(settings) > 0 && !IsHealthCheck(context), limited => limited.UseRateLimiter(Refusing(limiter)));
    }

    /// <summary>
    /// The per-pubkey budget, for requests that carry a valid token: after authentication, which
    /// finds the pubkey. Requests without one skip the limiter.
    /// </summary>
    public static IApplicationBuilder UseBlossomPubkeyRateLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var perPubkey = app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.PerPubkeyPerMinute;
        var limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetFixedWindowLimiter(PubkeyOf(context) ?? "", _ => Limit(perPubkey)));
        return app.UseWhen(
            context => perPubkey > 0 && context.GetEndpoint()?.Metadata.GetMetadata<IpRateLimit>()?.CountsPerPubkey != false && PubkeyOf(context) is not null,
            limited => limited.UseRateLimiter(Refusing(limiter)));
    }

    private static IpRateLimit IpLimitOf(HttpContext context) =>
        context.GetEndpoint() is { } endpoint ? endpoint.Metadata.GetMetadata<IpRateLimit>() ?? IpRateLimit.Requests : IpRateLimit.Reads;

    private static string? PubkeyOf(HttpContext context) => context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;

    private static RateLimiterOptions Refusing(PartitionedRateLimiter<HttpContext> limiter) => new()
    {
        GlobalLimiter = limiter,
        OnRejected = (rejected, cancellationToken) =>
        {
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
            return new ValueTask(BlossomError.TooManyRequests("Too many requests; slow down", retryAfter).ExecuteAsync(rejected.HttpContext));
        },
    };

    private static FixedWindowRateLimiterOptions Limit(int permits) =>
        new() { PermitLimit = permits, Window = Window, QueueLimit = 0, AutoReplenishment = true };

    private static bool IsHealthCheck(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal) || context.Request.Path.StartsWithSegments("/readyz", StringComparison.Ordinal);
}

/// <summary>Endpoint metadata: which per-IP budget of <see cref="RateLimitOptions"/> an endpoint's requests draw from.</summary>
internal sealed class IpRateLimit
{
    private readonly Func<RateLimitOptions, int> _permits;

    private IpRateLimit(string name, Func<RateLimitOptions, int> permits, bool countsPerPubkey = true) =>
        (Name, _permits, CountsPerPubkey) = (name, permits, countsPerPubkey);

    /// <summary>Writes, lists, mirror, media and its task polls, admin: <c>RateLimit:PerIpPerMinute</c>.</summary>
    public static IpRateLimit Requests { get; } = new("requests", o => o.PerIpPerMinute);

    /// <summary>
    /// BUD-01 blob GET/HEAD: <c>RateLimit:ReadsPerIpPerMinute</c>, off by default; not the pubkey limit,
    /// which an upload token sent to ask about a chunked upload would otherwise draw from.
    /// </summary>
    public static IpRateLimit Reads { get; } = new("reads", o => o.ReadsPerIpPerMinute, countsPerPubkey: false);

    /// <summary>BUD-09 reports, which need no token: <c>RateLimit:ReportsPerIpPerMinute</c>.</summary>
    public static IpRateLimit Reports { get; } = new("reports", o => o.ReportsPerIpPerMinute);

    /// <summary>
    /// BUD-14 chunks: <c>RateLimit:ChunksPerIpPerMinute</c>, and not <c>PerPubkeyPerMinute</c>: one
    /// upload of a large blob is hundreds of requests, which the uploader's token limit would cut off.
    /// </summary>
    public static IpRateLimit Chunks { get; } = new("chunks", o => o.ChunksPerIpPerMinute, countsPerPubkey: false);

    /// <summary>Cheap answers a client needs before anything else, never refused.</summary>
    public static IpRateLimit Unlimited { get; } = new("unlimited", _ => 0);

    public string Name { get; }

    /// <summary>Whether requests with a token also draw from <c>RateLimit:PerPubkeyPerMinute</c>.</summary>
    public bool CountsPerPubkey { get; }

    /// <summary>0 means no limit.</summary>
    public int PermitsPerMinute(RateLimitOptions settings) => _permits(settings);
}
