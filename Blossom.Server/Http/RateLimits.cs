using System.Threading.RateLimiting;
using Blossom.Server.Options;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Blossom.Server.Http;

/// <summary>
/// <c>RateLimit:*</c> through the framework's rate limiter: a fixed window per IP address for every
/// request, chained with one per pubkey for requests that carry a valid token. A refusal is 429
/// with <c>Retry-After</c> and a reason, like every other refusal.
/// </summary>
internal static class RateLimits
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddBlossomRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, settings) =>
        {
            var (perIp, perPubkey) = (settings.Value.PerIpPerMinute, settings.Value.PerPubkeyPerMinute);
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    perIp > 0 && !IsHealthCheck(context)
                        ? RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "", _ => Limit(perIp))
                        : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    perPubkey > 0 && context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value is { } pubkey
                        ? RateLimitPartition.GetFixedWindowLimiter(pubkey, _ => Limit(perPubkey))
                        : RateLimitPartition.GetNoLimiter("")));
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
                return new ValueTask(BlossomError.TooManyRequests("Too many requests; slow down", retryAfter).ExecuteAsync(rejected.HttpContext));
            };
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Limit(int permits) =>
        new() { PermitLimit = permits, Window = Window, QueueLimit = 0, AutoReplenishment = true };

    private static bool IsHealthCheck(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal) || context.Request.Path.StartsWithSegments("/readyz", StringComparison.Ordinal);
}
