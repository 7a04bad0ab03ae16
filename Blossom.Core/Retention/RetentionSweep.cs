using Blossom.Core.Blobs;

namespace Blossom.Core.Retention;

/// <summary>
/// Applies the storage rules to every blob, a page at a time: each expired ownership is removed as its
/// owner's delete would remove it (<see cref="BlobService.DeleteAsync"/>: the blob goes with its last
/// owner, its previews with it), an expired blob nobody owns is removed unless an upload gave it an owner
/// meanwhile. An owner who uploaded the blob again since it was judged keeps it. In a dry run, and for
/// the operator's preview, the same walk only counts.
/// </summary>
public sealed class RetentionSweep(RetentionPolicy policy, BlobService blobs, BlobFetches fetches, BlossomMetrics metrics, TimeProvider time)
{
    private const int PageSize = 500;

    /// <summary>
    /// One round: writes the fetches noted so far, then removes what expired (only counts it in a dry
    /// run), counted in <c>/metrics</c> by rule.
    /// </summary>
    public async Task<RetentionReport> SweepAsync(CancellationToken cancellationToken)
    {
        if (!policy.Removes)
            return RetentionReport.Empty(policy);
        await fetches.FlushAsync(cancellationToken);
        var report = await WalkAsync(remove: !policy.DryRun, cancellationToken);
        foreach (var tally in report.Rules)
            metrics.RetentionSwept(tally.Rule, policy.DryRun, tally.Ownerships, tally.Blobs, tally.Bytes);
        return report;
    }

    /// <summary>What a round would remove now, removing nothing and counting nothing in <c>/metrics</c>.</summary>
    public async Task<RetentionReport> PreviewAsync(CancellationToken cancellationToken) =>
        policy.Removes ? await WalkAsync(remove: false, cancellationToken) : RetentionReport.Empty(policy);

    private async Task<RetentionReport> WalkAsync(bool remove, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var tallies = policy.Rules.ToDictionary(rule => rule, _ => new RuleTally());
        string? cursor = null;
        while (await blobs.ListAllAsync(cursor, PageSize, cancellationToken) is { Count: > 0 } page)
        {
            // The page continues after its last blob still indexed: one removed here could no longer place the cursor.
            var lastKept = cursor;
            foreach (var owned in page)
            {
                var judged = policy.Judge(owned.Blob, owned.Owners, fetches.LatestOf(owned.Blob));
                var gone = await ApplyAsync(judged, now, remove, tallies, cancellationToken);
                if (!gone)
                    lastKept = owned.Blob.Sha256;
            }
            if (page.Count < PageSize)
                break;
            cursor = lastKept;
        }
        return new RetentionReport(policy.DryRun, [.. policy.Rules.Select(rule => tallies[rule].For(rule))]);
    }

    /// <summary>
    /// Removes (or counts) the expired ownerships of one blob, the one expiring last last; true when the
    /// blob is gone. The blob is counted under the rule of the ownership whose removal took it.
    /// </summary>
    private async Task<bool> ApplyAsync(BlobRetention judged, long now, bool remove, Dictionary<RetentionRule, RuleTally> tallies, CancellationToken cancellationToken)
    {
        var expired = judged.Ownerships.Where(o => o.ExpiredAt(now)).OrderBy(o => o.ExpiresAt).ToList();
        var blob = judged.Blob;
        var wouldGo = judged.Sunset <= now;
        var gone = false;
        for (var i = 0; i < expired.Count; i++)
        {
            var ownership = expired[i];
            var (removed, lastOwner) = remove
                ? await RemoveAsync(blob.Sha256, ownership, cancellationToken)
                : (true, wouldGo && i == expired.Count - 1);
            if (!removed)
                continue;
            var tally = tallies[ownership.Rule!];
            tally.Ownerships++;
            if (!lastOwner)
                continue;
            gone = remove;
            tally.Blobs++;
            tally.Bytes += blob.Size;
        }
        return gone;
    }

    /// <summary>Removes one expired ownership; whether it was removed, and whether the blob went with it.</summary>
    private async Task<(bool Removed, bool LastOwner)> RemoveAsync(string sha256, OwnershipVerdict ownership, CancellationToken cancellationToken)
    {
        if (ownership.Pubkey is not { } pubkey)
            return await blobs.RemoveUnownedAsync(sha256, cancellationToken) ? (true, true) : (false, false);
        // As if the owner deleted it at the time judged: an upload of it since then keeps it.
        return await blobs.DeleteAsync(sha256, pubkey, ownership.Since, cancellationToken) switch
        {
            OwnerRemoval.RemovedLastOwner => (true, true),
            OwnerRemoval.Removed => (true, false),
            _ => (false, false),
        };
    }

    private sealed class RuleTally
    {
        public long Ownerships { get; set; }
        public long Blobs { get; set; }
        public long Bytes { get; set; }

        public RuleReport For(RetentionRule rule) => new(rule.Name, Ownerships, Blobs, Bytes);
    }
}

/// <summary>What a sweep removed, or in a dry run or preview would remove, rule by rule.</summary>
public sealed record RetentionReport(bool DryRun, IReadOnlyList<RuleReport> Rules)
{
    public static RetentionReport Empty(RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new(policy.DryRun, [.. policy.Rules.Select(rule => new RuleReport(rule.Name, 0, 0, 0))]);
    }
}

/// <summary>One rule's part of a sweep.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Ownerships">Ownerships expired under it (a blob nobody owns counts as one).</param>
/// <param name="Blobs">Blobs that went with their last expired ownership under it.</param>
/// <param name="Bytes">Those blobs' bytes.</param>
public sealed record RuleReport(string Rule, long Ownerships, long Blobs, long Bytes);
