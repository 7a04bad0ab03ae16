using Blossom.Core.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Blossom.Server;

/// <summary>Ready means the database answers and the store takes writes.</summary>
internal sealed class BlobIndexHealthCheck(IBlobIndex index) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await index.CheckReachableAsync(cancellationToken);
        return HealthCheckResult.Healthy();
    }
}
