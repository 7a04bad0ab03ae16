using Blossom.Core.Moderation;

namespace Blossom.Core.Ingest;

/// <summary>
/// The operator's blob blocks as an ingest rule: every path that makes bytes a stored blob (uploads,
/// mirrors, chunked uploads, media results) asks here once the hash is known, so a blocked blob never
/// comes back whoever sends it.
/// </summary>
public sealed class BlobBlocks(IModerationStore moderation)
{
    /// <summary>The operator's own reason is not sent: it may not be ASCII, and it is written for operators.</summary>
    public const string Reason = "This blob is blocked on this server";

    /// <summary>Null when <paramref name="sha256"/> may be stored.</summary>
    public async Task<IngestRefusal?> CheckAsync(string sha256, CancellationToken cancellationToken) =>
        await moderation.FindBlockedBlobAsync(sha256, cancellationToken) is null ? null : new(IngestRefusalKind.BlobBlocked, Reason, sha256);
}
