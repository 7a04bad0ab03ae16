namespace Blossom.Core.Moderation;

/// <summary>Blocks and reports, for the operator.</summary>
public interface IModerationStore
{
    Task<bool> IsBlockedAsync(string pubkey, CancellationToken cancellationToken);

    /// <summary>Blocks <paramref name="pubkey"/>, or gives an existing block the new reason (keeping when it began).</summary>
    Task BlockAsync(string pubkey, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Takes in a block as another store listed it (<see cref="BlockedAsync"/>), keeping when it began,
    /// for moving a server's data; a pubkey this store already blocks keeps its own block.
    /// </summary>
    Task ImportBlockAsync(BlockedPubkey block, CancellationToken cancellationToken);

    /// <summary>False when the pubkey was not blocked.</summary>
    Task<bool> UnblockAsync(string pubkey, CancellationToken cancellationToken);

    /// <summary>The blocked pubkeys, most recently blocked first.</summary>
    Task<IReadOnlyList<BlockedPubkey>> BlockedAsync(CancellationToken cancellationToken);

    /// <summary>The block of a blob, null when it is not blocked.</summary>
    Task<BlockedBlob?> FindBlockedBlobAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Blocks the blob <paramref name="sha256"/>, or gives an existing block the new reason (keeping when it began).</summary>
    Task BlockBlobAsync(string sha256, string reason, CancellationToken cancellationToken);

    /// <summary>Takes in a blob's block as another store listed it, keeping when it began; a blob this store already blocks keeps its own block.</summary>
    Task ImportBlockedBlobAsync(BlockedBlob block, CancellationToken cancellationToken);

    /// <summary>False when the blob was not blocked.</summary>
    Task<bool> UnblockBlobAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>The blocked blobs, most recently blocked first.</summary>
    Task<IReadOnlyList<BlockedBlob>> BlockedBlobsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="report"/> for the blobs it names that its reporter had not reported
    /// before, and returns those; when there are none, nothing is written.
    /// </summary>
    Task<IReadOnlyList<string>> AddReportAsync(ReportEvent report, IReadOnlyCollection<ReportedBlob> blobs, CancellationToken cancellationToken);

    /// <summary>Reports, newest first; of one blob when <paramref name="sha256"/> is given.</summary>
    Task<IReadOnlyList<BlobReport>> ReportsAsync(string? sha256, int limit, CancellationToken cancellationToken);
}
