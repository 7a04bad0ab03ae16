using Blossom.Core.Blobs;

namespace Blossom.Core.Retention;

/// <summary>
/// When blobs are to go under the storage rules (BUD-01's <c>Sunset</c>, and the descriptors'
/// <c>sunset</c>): the latest expiry of their ownerships, none when any is kept forever. Nothing is
/// announced in a dry run, where nothing goes, nor without a rule that removes; then no query is made.
/// </summary>
public sealed class BlobSunsets(RetentionPolicy policy, BlobService blobs, BlobFetches fetches)
{
    private static readonly IReadOnlyDictionary<string, long> None = new Dictionary<string, long>();

    /// <summary>The sunset (unix seconds) of each of <paramref name="records"/> that is to go; one query for their owners.</summary>
    public async Task<IReadOnlyDictionary<string, long>> OfAsync(IReadOnlyCollection<BlobRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!policy.Announces || records.Count == 0)
            return None;
        var owners = await blobs.OwnersOfAsync([.. records.Select(r => r.Sha256)], cancellationToken);
        var sunsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (policy.Judge(record, [.. owners[record.Sha256]], fetches.LatestOf(record)).Sunset is { } sunset)
                sunsets[record.Sha256] = sunset;
        }
        return sunsets;
    }

    /// <summary>The sunset of one blob, null when it is not to go.</summary>
    public async Task<long?> OfAsync(BlobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return (await OfAsync([record], cancellationToken)).TryGetValue(record.Sha256, out var sunset) ? sunset : null;
    }

    /// <summary>Notes a fetch of the blob, when a rule counts idle days (a GET: HEAD reads no bytes).</summary>
    public void Fetched(string sha256)
    {
        if (policy.WatchesFetches)
            fetches.Note(sha256);
    }
}
