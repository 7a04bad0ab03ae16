using Blossom.Core.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Blossom.Server.Health;

/// <summary>Ready means the database answers and the store takes writes.</summary>
internal sealed class BlobIndexHealthCheck(IBlobIndex index) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await index.CheckReachableAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}

internal sealed class BlobStoreHealthCheck(IBlobStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await store.CheckWritableAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy();
    }
}
