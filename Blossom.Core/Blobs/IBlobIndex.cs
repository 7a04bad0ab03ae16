namespace Blossom.Core.Blobs;

/// <summary>A page of one pubkey's blobs, newest first (BUD-12).</summary>
/// <param name="Pubkey">The owner whose blobs are listed.</param>
/// <param name="Cursor">The hash of the last blob of the previous page; the page starts after it.</param>
/// <param name="Limit">The most blobs to return.</param>
/// <param name="Since">Only blobs uploaded at or after this unix time (deprecated by BUD-12, still honoured).</param>
/// <param name="Until">Only blobs uploaded at or before this unix time.</param>
public sealed record BlobListQuery(string Pubkey, string? Cursor, int Limit, long? Since, long? Until);

public interface IBlobIndex
{
    Task<BlobRecord?> FindAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// Records the blob unless it is known, then each of <paramref name="owners"/> as one of its
    /// owners, as of now even when it already was one (see <see cref="RemoveOwnerAsync"/>); returns the stored record.
    /// </summary>
    Task<BlobRecord> AddAsync(BlobRecord blob, IReadOnlyCollection<string> owners, CancellationToken cancellationToken);

    /// <summary>The page, or null when the cursor is not a blob of that pubkey.</summary>
    Task<IReadOnlyList<BlobRecord>?> ListAsync(BlobListQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Drops one owner; when none remain the blob record goes too. <paramref name="authorizedAt"/> is
    /// when the owner asked (unix seconds): an ownership added after it is kept, so a request signed
    /// before the owner's latest upload cannot undo that upload.
    /// </summary>
    Task<OwnerRemoval> RemoveOwnerAsync(string sha256, string pubkey, long authorizedAt, CancellationToken cancellationToken);

    /// <summary>Records what inspection found out about a blob.</summary>
    Task SetMetadataAsync(string sha256, BlobMetadata metadata, CancellationToken cancellationToken);

    /// <summary>
    /// How many bytes <paramref name="pubkey"/>'s blobs and chunked uploads (their whole declared length)
    /// take, leaving out a chunked upload of <paramref name="sha256"/>, and whether one of the blobs is <paramref name="sha256"/>.
    /// </summary>
    Task<StorageUsage> UsageAsync(string pubkey, string? sha256, CancellationToken cancellationToken);

    /// <summary>
    /// What each owner's blobs add up to, by owner id after <paramref name="cursor"/> when given: the
    /// totals the quota keeps, so a page reads <paramref name="limit"/> rows however many blobs there are.
    /// Owners who hold no blob any more are left out.
    /// </summary>
    Task<IReadOnlyList<OwnerUsage>> OwnerUsagesAsync(string? cursor, int limit, CancellationToken cancellationToken);

    /// <summary>How many blobs are stored and their bytes, each blob counted once however many owners it has: a scan of the table, for callers that cache it or call it seldom.</summary>
    Task<BlobTotals> TotalsAsync(CancellationToken cancellationToken);

    /// <summary>All blobs, newest first, after the blob <paramref name="cursor"/> when given, each with its owners.</summary>
    Task<IReadOnlyList<OwnedBlob>> ListAllAsync(string? cursor, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Takes in a blob as another index listed it (<see cref="ListAllAsync"/>), for moving a server's
    /// data: the record as given unless the blob is known, and each owner since when it became one,
    /// keeping a later time this index already has, so a delete signed before an owner's upload is
    /// still refused and taking the same blob in twice changes nothing.
    /// </summary>
    Task ImportAsync(OwnedBlob blob, CancellationToken cancellationToken);

    /// <summary>The owners of each of <paramref name="hashes"/>, oldest ownership first; a blob nobody owns has none.</summary>
    Task<ILookup<string, BlobOwner>> OwnersOfAsync(IReadOnlyCollection<string> hashes, CancellationToken cancellationToken);

    /// <summary>Records when blobs were fetched (a time earlier than the one recorded changes nothing); unknown blobs are passed over.</summary>
    Task SetAccessedAsync(IReadOnlyCollection<BlobFetch> fetches, CancellationToken cancellationToken);

    /// <summary>The pubkeys owning a blob.</summary>
    Task<IReadOnlyList<string>> OwnersAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Drops a blob and all its owners; false when the index had no such blob.</summary>
    Task<bool> RemoveAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Answers a trivial query, proving the database is reachable.</summary>
    Task CheckReachableAsync(CancellationToken cancellationToken);
}

/// <summary>A blob and who owns it, for the operator and for moving a server's data.</summary>
/// <param name="Blob">The blob's record.</param>
/// <param name="Owners">Oldest ownership first.</param>
public sealed record OwnedBlob(BlobRecord Blob, IReadOnlyList<BlobOwner> Owners);

/// <summary>One owner of a blob.</summary>
/// <param name="Pubkey">The owner.</param>
/// <param name="Added">Unix seconds of the owner's latest upload of the blob: deletes it signed before are refused.</param>
public sealed record BlobOwner(string Pubkey, long Added);

/// <summary>What one owner's blobs take.</summary>
/// <param name="Owner">A pubkey, or a Matrix user id for media uploaded through Matrix.</param>
/// <param name="Bytes">The sum of the sizes of the owner's blobs, as its quota counts them.</param>
/// <param name="Blobs">How many blobs the owner holds.</param>
public sealed record OwnerUsage(string Owner, long Bytes, long Blobs);

/// <summary>All stored blobs: how many, and their bytes.</summary>
public sealed record BlobTotals(long Count, long Bytes);

/// <summary>A fetch of a blob, at unix seconds <paramref name="At"/>.</summary>
public sealed record BlobFetch(string Sha256, long At);

/// <param name="UsedBytes">The sum of the sizes of the pubkey's blobs and of its other chunked uploads' lengths.</param>
/// <param name="OwnsBlob">Whether the pubkey already owns the blob asked about.</param>
public sealed record StorageUsage(long UsedBytes, bool OwnsBlob);

public enum OwnerRemoval
{
    /// <summary>The index has no such blob.</summary>
    BlobNotFound,
    /// <summary>The blob exists but the pubkey does not own it.</summary>
    NotOwner,
    /// <summary>The pubkey owns the blob since after the removal was authorized; it keeps it.</summary>
    AuthorizedBeforeUpload,
    /// <summary>The pubkey was removed; other owners keep the blob.</summary>
    Removed,
    /// <summary>The pubkey was the last owner; the blob record is gone and its bytes may go.</summary>
    RemovedLastOwner,
}
