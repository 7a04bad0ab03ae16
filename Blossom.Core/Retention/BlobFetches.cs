using System.Collections.Concurrent;
using Blossom.Core.Blobs;

namespace Blossom.Core.Retention;

/// <summary>
/// When blobs were last fetched, for the rules that count idle days. A fetch is the hot path, so it
/// only notes the time in memory; <see cref="FlushAsync"/> writes what was noted in one batch (the
/// retention sweep does, before each round and when the server stops). Idle limits are counted in
/// days: a fetch written an hour late changes nothing, and one lost in a crash makes a blob look idle
/// for no longer than since its fetch before.
/// </summary>
public sealed class BlobFetches(IBlobIndex index, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _noted = new(StringComparer.Ordinal);

    /// <summary>Notes that <paramref name="sha256"/> was fetched now.</summary>
    public void Note(string sha256) => _noted[sha256] = time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>The blob's latest fetch: noted here and not yet written, else as the index has it.</summary>
    public long? LatestOf(BlobRecord blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return _noted.TryGetValue(blob.Sha256, out var noted) ? Math.Max(noted, blob.Accessed ?? noted) : blob.Accessed;
    }

    /// <summary>Writes the noted fetches to the index; returns how many blobs' times were written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new List<BlobFetch>();
        foreach (var sha256 in _noted.Keys)
        {
            if (_noted.TryRemove(sha256, out var at))
                batch.Add(new BlobFetch(sha256, at));
        }
        if (batch.Count > 0)
            await index.SetAccessedAsync(batch, cancellationToken);
        return batch.Count;
    }
}
