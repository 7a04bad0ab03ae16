using Blossom.Core.Blobs;

namespace Blossom.Core.Retention;

/// <summary>
/// One storage rule (<c>Retention:Rules</c>): which ownerships it is about (type, size, owner) and
/// what happens to them: kept forever, or removed once too old or unread for too long. The names
/// follow blossom-server's storage rules (<c>type</c>, <c>pubkeys</c>) where they overlap.
/// Settable properties, as the settings binder fills them.
/// </summary>
public sealed class RetentionRule
{
    private const long SecondsPerDay = 86_400;

    /// <summary>What the rule is called in logs, <c>/metrics</c> and <c>/admin/retention</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>MIME types it is about, exact (<c>image/png</c>) or a whole kind (<c>video/*</c>); empty: any type.</summary>
    public List<string> Types { get; set; } = [];

    /// <summary>Only blobs of at least this many bytes; 0: no lower bound.</summary>
    public long MinSizeBytes { get; set; }

    /// <summary>Only blobs of at most this many bytes; 0: no upper bound.</summary>
    public long MaxSizeBytes { get; set; }

    /// <summary>Only ownerships of these hex pubkeys; empty: every owner.</summary>
    public List<string> Pubkeys { get; set; } = [];

    /// <summary>Only blobs nobody owns (uploads without a token, Matrix media of other servers).</summary>
    public bool Anonymous { get; set; }

    /// <summary>Matched ownerships are kept forever, whatever later rules say.</summary>
    public bool Keep { get; set; }

    /// <summary>Removed this many days after the owner's latest upload of the blob; 0: no age limit.</summary>
    public int MaxAgeDays { get; set; }

    /// <summary>Removed once nobody fetched the blob for this many days (counted from the upload until the first fetch); 0: no idle limit.</summary>
    public int MaxIdleDays { get; set; }

    /// <summary>Whether the rule is about <paramref name="owner"/>'s ownership (null: the blob is nobody's) of a blob.</summary>
    public bool Matches(BlobRecord blob, string? owner)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (Anonymous ? owner is not null : owner is null || (Pubkeys.Count > 0 && !Pubkeys.Contains(owner, StringComparer.Ordinal)))
            return false;
        if ((MinSizeBytes > 0 && blob.Size < MinSizeBytes) || (MaxSizeBytes > 0 && blob.Size > MaxSizeBytes))
            return false;
        return Types.Count == 0 || Types.Any(pattern => TypeMatches(pattern, blob.Type));
    }

    /// <summary>
    /// When a matched ownership expires (unix seconds): the earlier of its age and idle limits, from
    /// <paramref name="since"/> (the owner's latest upload) and <paramref name="accessed"/> (the latest
    /// fetch, if any); null when the rule keeps it.
    /// </summary>
    public long? ExpiresAt(long since, long? accessed)
    {
        if (Keep)
            return null;
        long? byAge = MaxAgeDays > 0 ? since + (MaxAgeDays * SecondsPerDay) : null;
        long? byIdle = MaxIdleDays > 0 ? Math.Max(since, accessed ?? since) + (MaxIdleDays * SecondsPerDay) : null;
        return (byAge, byIdle) switch
        {
            ({ } age, { } idle) => Math.Min(age, idle),
            _ => byAge ?? byIdle,
        };
    }

    /// <summary>What is wrong with the rule, as the settings check reports it; <paramref name="label"/> names it.</summary>
    public IEnumerable<string> Problems(string label)
    {
        if (string.IsNullOrWhiteSpace(Name))
            yield return $"{label} needs a Name (it names the rule in logs and metrics).";
        if (Keep == (MaxAgeDays > 0 || MaxIdleDays > 0))
            yield return $"{label} must either Keep or set MaxAgeDays or MaxIdleDays, not both or neither.";
        if (MaxAgeDays < 0 || MaxIdleDays < 0 || MinSizeBytes < 0 || MaxSizeBytes < 0)
            yield return $"{label}: days and sizes cannot be negative.";
        if (MaxSizeBytes > 0 && MinSizeBytes > MaxSizeBytes)
            yield return $"{label}: MinSizeBytes is above MaxSizeBytes.";
        if (Anonymous && Pubkeys.Count > 0)
            yield return $"{label}: Anonymous blobs have no owner, so Pubkeys cannot apply to them.";
        foreach (var pubkey in Pubkeys.Where(p => !BlobHash.IsValid(p)))
            yield return $"{label}: Pubkeys entry '{pubkey}' is not a 64-character lowercase hex pubkey.";
        foreach (var type in Types.Where(t => t.Split('/') is not [{ Length: > 0 }, { Length: > 0 }]))
            yield return $"{label}: Types entry '{type}' is not a MIME type or a pattern like 'video/*'.";
    }

    private static bool TypeMatches(string pattern, string type) =>
        pattern.EndsWith("/*", StringComparison.Ordinal)
            ? type.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, type, StringComparison.OrdinalIgnoreCase);
}
