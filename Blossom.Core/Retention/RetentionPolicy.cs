using Blossom.Core.Blobs;

namespace Blossom.Core.Retention;

/// <summary>
/// The storage rules in order. Each ownership of a blob (each owner's, or the blob itself when nobody
/// owns it) is decided by the first rule that matches it; one no rule matches is kept. A blob goes
/// when every ownership of it expires, at the latest of their times (its sunset). Pure: what to
/// remove follows from the blob, its owners, the last fetch and the time alone.
/// </summary>
public sealed class RetentionPolicy(IReadOnlyList<RetentionRule> rules, bool dryRun)
{
    /// <summary>
    /// Whether the rules only count what they would remove (<c>Retention:DryRun</c>): then nothing is
    /// removed and no blob is announced to go.
    /// </summary>
    public bool DryRun { get; } = dryRun;

    /// <summary>Whether any rule can remove a blob; with none, nothing is judged, fetched times included.</summary>
    public bool Removes { get; } = rules.Any(rule => !rule.Keep);

    /// <summary>Whether a blob's removal is announced (<c>Sunset</c>): some rule removes, and not in a dry run.</summary>
    public bool Announces => Removes && !DryRun;

    /// <summary>Whether a rule counts days since the last fetch, the only reason fetches are recorded.</summary>
    public bool WatchesFetches { get; } = rules.Any(rule => rule.MaxIdleDays > 0);

    public IReadOnlyList<RetentionRule> Rules { get; } = rules;

    /// <summary>
    /// What the rules decide for <paramref name="blob"/> owned by <paramref name="owners"/>, fetched last
    /// at <paramref name="accessed"/>. A preview or other blob made from another and owned by nobody
    /// is no one's upload: it goes with its source, not by a rule.
    /// </summary>
    public BlobRetention Judge(BlobRecord blob, IReadOnlyList<BlobOwner> owners, long? accessed)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(owners);
        if (owners.Count == 0 && blob.OriginalSha256 is not null)
            return new BlobRetention(blob, []);
        IEnumerable<(string? Pubkey, long Since)> ownerships = owners.Count == 0
            ? [(null, blob.Uploaded)]
            : owners.Select(owner => ((string?)owner.Pubkey, owner.Added));
        return new BlobRetention(blob, [.. ownerships.Select(o => Decide(blob, o.Pubkey, o.Since, accessed))]);
    }

    private OwnershipVerdict Decide(BlobRecord blob, string? pubkey, long since, long? accessed) =>
        Rules.FirstOrDefault(rule => rule.Matches(blob, pubkey)) is { } rule
            ? new OwnershipVerdict(pubkey, since, rule, rule.ExpiresAt(since, accessed))
            : new OwnershipVerdict(pubkey, since, null, null);
}

/// <summary>What the rules decide for one ownership.</summary>
/// <param name="Pubkey">The owner; null for a blob nobody owns.</param>
/// <param name="Since">When the ownership began (unix seconds): a removal is refused if the owner uploaded again after it.</param>
/// <param name="Rule">The first rule that matched; null: none did, and the ownership is kept.</param>
/// <param name="ExpiresAt">When it expires (unix seconds); null: kept forever.</param>
public sealed record OwnershipVerdict(string? Pubkey, long Since, RetentionRule? Rule, long? ExpiresAt)
{
    public bool ExpiredAt(long now) => ExpiresAt <= now;
}

/// <summary>What the rules decide for a blob: one verdict per ownership (none for a preview, which goes with its source).</summary>
public sealed record BlobRetention(BlobRecord Blob, IReadOnlyList<OwnershipVerdict> Ownerships)
{
    /// <summary>When the blob goes (unix seconds): the latest expiry of its ownerships; null when any is kept.</summary>
    public long? Sunset => Ownerships.Count > 0 && Ownerships.All(o => o.ExpiresAt is not null) ? Ownerships.Max(o => o.ExpiresAt) : null;
}
