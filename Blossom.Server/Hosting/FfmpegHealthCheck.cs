using Blossom.Core.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Blossom.Server;

/// <summary>With the media optimizer on, ready also means ffmpeg and ffprobe run and have the encoders it uses.</summary>
internal sealed class FfmpegHealthCheck(Microsoft.Extensions.Options.IOptions<MediaOptions> media) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!media.Value.Enabled)
            return HealthCheckResult.Healthy("media optimizer off");
        return await Blossom.Core.Media.FfmpegProcess.CheckAvailableAsync(cancellationToken) is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy();
    }
}
