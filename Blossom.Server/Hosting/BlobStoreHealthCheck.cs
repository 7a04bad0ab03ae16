using Blossom.Core.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Blossom.Server;

/// <summary>
/// The store takes writes: Degraded, not Unhealthy, when the disk is full (the probe's own write,
/// or a write refused within the last minute), because reads are still served.
/// </summary>
internal sealed class BlobStoreHealthCheck(IBlobStore store, StorageSpace space) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckWritableAsync(cancellationToken);
        }
        catch (Exception e) when (OutOfSpace.Is(e))
        {
            space.ReportFull();
        }
        return space.IsFull ? HealthCheckResult.Degraded(StorageSpace.FullReason) : HealthCheckResult.Healthy();
    }
}
