using Blossom.Core.Blobs;
using Microsoft.Extensions.Caching.Memory;

namespace Blossom.Core.Data;

/// <summary>
/// Keeps found blob records in memory: a blob's record only changes when it is written, given
/// metadata, fetched or removed, all through this index, which drops the cached record then. GET, the hot
/// path, then costs no database round trip. Absent blobs are not cached: they may arrive any time.
/// </summary>
public sealed class CachingBlobIndex(IBlobIndex inner, int capacity) : IBlobIndex, IDisposable
{
    private readonly MemoryCache _records = new(new MemoryCacheOptions { SizeLimit = capacity });

    public async Task<BlobRecord?> FindAsync(string sha256, CancellationToken cancellationToken)
    {
        if (_records.TryGetValue(sha256, out BlobRecord? cached))
            return cached;
        var record = await inner.FindAsync(sha256, cancellationToken);
        if (record is not null)
            _records.Set(sha256, record, new MemoryCacheEntryOptions { Size = 1 });
        return record;
    }

    public async Task<BlobRecord> AddAsync(BlobRecord blob, IReadOnlyCollection<string> owners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        _records.Remove(blob.Sha256);
        return await inner.AddAsync(blob, owners, cancellationToken);
    }

    public async Task ImportAsync(OwnedBlob blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        await inner.ImportAsync(blob, cancellationToken);
        _records.Remove(blob.Blob.Sha256);
    }

    public async Task SetMetadataAsync(string sha256, BlobMetadata metadata, CancellationToken cancellationToken)
    {
        await inner.SetMetadataAsync(sha256, metadata, cancellationToken);
        _records.Remove(sha256);
    }

    public async Task<OwnerRemoval> RemoveOwnerAsync(string sha256, string pubkey, long authorizedAt, CancellationToken cancellationToken)
    {
        var removal = await inner.RemoveOwnerAsync(sha256, pubkey, authorizedAt, cancellationToken);
        if (removal == OwnerRemoval.RemovedLastOwner)
            _records.Remove(sha256);
        return removal;
    }

    public async Task<bool> RemoveAsync(string sha256, CancellationToken cancellationToken)
    {
        var removed = await inner.RemoveAsync(sha256, cancellationToken);
        _records.Remove(sha256);
        return removed;
    }

    public Task<IReadOnlyList<BlobRecord>?> ListAsync(BlobListQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<IReadOnlyList<OwnedBlob>> ListAllAsync(string? cursor, int limit, CancellationToken cancellationToken) => inner.ListAllAsync(cursor, limit, cancellationToken);

    public Task<IReadOnlyList<OwnerUsage>> OwnerUsagesAsync(string? cursor, int limit, CancellationToken cancellationToken) => inner.OwnerUsagesAsync(cursor, limit, cancellationToken);

    public Task<BlobTotals> TotalsAsync(CancellationToken cancellationToken) => inner.TotalsAsync(cancellationToken);

    public Task<StorageUsage> UsageAsync(string pubkey, string? sha256, CancellationToken cancellationToken) => inner.UsageAsync(pubkey, sha256, cancellationToken);

    public Task<ILookup<string, BlobOwner>> OwnersOfAsync(IReadOnlyCollection<string> hashes, CancellationToken cancellationToken) => inner.OwnersOfAsync(hashes, cancellationToken);

    /// <summary>Drops the fetched blobs' records: at most once per blob per flush of the fetches, so the next read sees the time.</summary>
    public async Task SetAccessedAsync(IReadOnlyCollection<BlobFetch> fetches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        await inner.SetAccessedAsync(fetches, cancellationToken);
        foreach (var fetch in fetches)
            _records.Remove(fetch.Sha256);
    }

    public Task<IReadOnlyList<string>> OwnersAsync(string sha256, CancellationToken cancellationToken) => inner.OwnersAsync(sha256, cancellationToken);

    public Task CheckReachableAsync(CancellationToken cancellationToken) => inner.CheckReachableAsync(cancellationToken);


    public void Dispose() => _records.Dispose();
}
