using Blossom.Core.Media;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>With the media optimizer on, ready also means ffmpeg and ffprobe run and have the encoders it uses.</summary>
internal sealed class FfmpegHealthCheck(IOptions<MediaOptions> media) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!media.Value.Enabled)
            return HealthCheckResult.Healthy("media optimizer off");
        return await FfmpegProcess.CheckAvailableAsync(cancellationToken) is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy();
    }
}
