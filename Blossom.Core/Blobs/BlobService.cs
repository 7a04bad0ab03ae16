using Microsoft.Extensions.Logging;

namespace Blossom.Core.Blobs;

/// <summary>
/// Keeps the store and the index in step. Commit and delete of one hash are serialized, so an
/// upload that re-adds a blob can never interleave with the delete of its last owner
/// (<see cref="IBlobLocks"/>, shared by every process on the same store and index). A new blob and a
/// removed one are told to the <see cref="IBlobLifecycleObserver"/>s once the section is released.
/// </summary>
public sealed partial class BlobService(
    IBlobStore store, IBlobIndex index, IBlobLocks locks, IBlobInspector inspector, IEnumerable<IBlobLifecycleObserver> observers,
    BlossomMetrics metrics, TimeProvider time, ILogger<BlobService> logger) : IBlobReader
{
    private readonly IBlobLifecycleObserver[] _observers = [.. observers];

    /// <summary>The raw store, for those that write blobs (ingest, previews, media); reads go through the methods below.</summary>
    public IBlobStore Store => store;

    /// <summary>A stored blob's bytes from <paramref name="offset"/>, <paramref name="length"/> of them or to the end; null when they are gone.</summary>
    public Task<BlobContent?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken) =>
        store.OpenReadAsync(sha256, offset, length, cancellationToken);

    /// <summary>A stored blob's length in bytes; null when its bytes are gone.</summary>
    public Task<long?> LengthAsync(string sha256, CancellationToken cancellationToken) => store.LengthAsync(sha256, cancellationToken);

    /// <summary>The blob as a local file (the store's own or a temporary copy); null when its bytes are gone.</summary>
    public Task<ILocalBlobFile?> GetLocalFileAsync(string sha256, CancellationToken cancellationToken) => store.GetLocalFileAsync(sha256, cancellationToken);

    public Task<BlobRecord?> FindAsync(string sha256, CancellationToken cancellationToken) => index.FindAsync(sha256, cancellationToken);

    /// <summary>
    /// Makes received bytes a blob owned by <paramref name="owners"/> (none: unowned). Created is
    /// false when it already existed. A new blob is inspected for its picture size and placeholder
    /// after the lock is released, so reading it never holds up a delete or another upload, unless
    /// the caller inspected it already (<paramref name="derived"/>).
    /// </summary>
    public async Task<(BlobRecord Blob, bool Created)> CommitAsync(
        IPendingBlob pending, ReceivedBlob received, string type, IReadOnlyCollection<string> owners, CancellationToken cancellationToken, DerivedBlob? derived = null)
    {
        var (blob, created) = await CommitLockedAsync(pending, received, type, owners, derived, cancellationToken);
        metrics.BlobCommitted(received.Size, created);
        if (!created)
            return (blob, created);
        blob = await WithMetadataAsync(blob, derived, cancellationToken);
        foreach (var observer in _observers)
        {
            try
            {
                await observer.BlobCommittedAsync(blob, derived, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The blob is stored and indexed: what follows from it (an eager preview) is no reason to fail its upload.
                LogObserverFailed(e, "commit", blob.Sha256);
            }
        }
        return (blob, created);
    }

    /// <summary>A new blob with its picture size and placeholder, read now unless the caller inspected it already.</summary>
    private async Task<BlobRecord> WithMetadataAsync(BlobRecord blob, DerivedBlob? derived, CancellationToken cancellationToken)
    {
        var type = blob.Type;
        if (derived is not null || !inspector.Reads(type))
            return blob;
        var file = await store.GetLocalFileAsync(blob.Sha256, cancellationToken);
        if (file is null)
            return blob;
        BlobMetadata? metadata;
        await using (file)
            metadata = await inspector.InspectAsync(file.Path, type, cancellationToken);
        if (metadata is null)
            return blob;
        await index.SetMetadataAsync(blob.Sha256, metadata, cancellationToken);
        return blob with { Width = metadata.Width, Height = metadata.Height, Blurhash = metadata.Blurhash };
    }

    private async Task<(BlobRecord Blob, bool Created)> CommitLockedAsync(
        IPendingBlob pending, ReceivedBlob received, string type, IReadOnlyCollection<string> owners, DerivedBlob? derived, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(received);
        var section = await locks.EnterAsync(received.Sha256, cancellationToken);
        await using (section)
        {
            var existing = await index.FindAsync(received.Sha256, cancellationToken);
            // Commit even when indexed: it restores bytes that went missing and is a no-op otherwise.
            var moved = await pending.CommitAsync(cancellationToken);
            var candidate = existing ?? new BlobRecord(received.Sha256, received.Size, type, time.GetUtcNow().ToUnixTimeSeconds(),
                derived?.Metadata?.Width, derived?.Metadata?.Height, derived?.Metadata?.Blurhash, derived?.OriginalSha256);
            try
            {
                var stored = await index.AddAsync(candidate, owners, cancellationToken);
                return (stored, existing is null);
            }
            catch when (moved && existing is null)
            {
                // The file and the index must agree: a file without its row (a full database disk,
                // say) would be served by nobody, counted for nobody and never deleted.
                await store.DeleteAsync(received.Sha256, CancellationToken.None);
                throw;
            }
        }
    }

    /// <summary>Reads a file's picture size and placeholder, as a new blob of that type would get them.</summary>
    public Task<BlobMetadata?> InspectAsync(string path, string type, CancellationToken cancellationToken) => inspector.InspectAsync(path, type, cancellationToken);

    /// <summary>
    /// Adds <paramref name="owners"/> to a stored blob; null when the blob or its bytes are gone,
    /// checked under the same lock as delete so the blob cannot vanish in between.
    /// </summary>
    public async Task<BlobRecord?> AddOwnersAsync(string sha256, IReadOnlyCollection<string> owners, CancellationToken cancellationToken)
    {
        var section = await locks.EnterAsync(sha256, cancellationToken);
        await using (section)
        {
            return await index.FindAsync(sha256, cancellationToken) is { } blob && await store.LengthAsync(sha256, cancellationToken) is not null
                ? await index.AddAsync(blob, owners, cancellationToken)
                : null;
        }
    }

    /// <summary>
    /// Removes <paramref name="pubkey"/>'s ownership, unless it was renewed after
    /// <paramref name="authorizedAt"/> (the latest time the delete token may have been signed: its
    /// <c>created_at</c> plus the clock skew allowed); the bytes go with the last owner.
    /// </summary>
    public async Task<OwnerRemoval> DeleteAsync(string sha256, string pubkey, long authorizedAt, CancellationToken cancellationToken)
    {
        OwnerRemoval removal;
        var section = await locks.EnterAsync(sha256, cancellationToken);
        await using (section)
        {
            removal = await index.RemoveOwnerAsync(sha256, pubkey, authorizedAt, cancellationToken);
            if (removal == OwnerRemoval.RemovedLastOwner)
                await store.DeleteAsync(sha256, cancellationToken);
        }
        if (removal == OwnerRemoval.RemovedLastOwner)
            await RemovedAsync(sha256, cancellationToken);
        return removal;
    }

    /// <summary>Removes a blob whoever owns it (the operator's delete); false when there was none.</summary>
    public async Task<bool> RemoveAsync(string sha256, CancellationToken cancellationToken)
    {
        bool removed;
        var section = await locks.EnterAsync(sha256, cancellationToken);
        await using (section)
        {
            var indexed = await index.RemoveAsync(sha256, cancellationToken);
            var stored = await store.DeleteAsync(sha256, cancellationToken);
            removed = indexed || stored;
        }
        if (removed)
            await RemovedAsync(sha256, cancellationToken);
        return removed;
    }

    /// <summary>
    /// Removes a blob nobody owns (a preview whose source went), checked under the lock so an upload
    /// of the same bytes meanwhile keeps it; false when it is owned or gone.
    /// </summary>
    public async Task<bool> RemoveUnownedAsync(string sha256, CancellationToken cancellationToken)
    {
        var section = await locks.EnterAsync(sha256, cancellationToken);
        await using (section)
        {
            if ((await index.OwnersAsync(sha256, cancellationToken)).Count > 0 || !await index.RemoveAsync(sha256, cancellationToken))
                return false;
            await store.DeleteAsync(sha256, cancellationToken);
        }
        await RemovedAsync(sha256, cancellationToken);
        return true;
    }

    /// <summary>
    /// How old stored bytes without an index row must be before <see cref="SweepOrphansAsync"/> removes
    /// them: a commit stores the bytes before it adds the row, and a file-system store shared by
    /// processes that do not share locks is possible; an hour outlasts any commit, however slow its database.
    /// </summary>
    public static readonly TimeSpan OrphanGracePeriod = TimeSpan.FromHours(1);

    /// <summary>
    /// Removes stored blobs that have no index row, left by a crash between a commit's bytes and its
    /// row or between a delete's row and its bytes: nobody could get, list, count or delete them.
    /// Each is looked up again under its lock, so a commit of the same bytes meanwhile keeps them.
    /// Returns how many were removed.
    /// </summary>
    public async Task<int> SweepOrphansAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - OrphanGracePeriod;
        var removed = 0;
        await foreach (var stored in store.EnumerateAsync(cancellationToken))
        {
            if (stored.LastModified > cutoff || await index.FindAsync(stored.Sha256, cancellationToken) is not null)
                continue;
            bool deleted;
            var section = await locks.EnterAsync(stored.Sha256, cancellationToken);
            await using (section)
            {
                deleted = await index.FindAsync(stored.Sha256, cancellationToken) is null
                    && await store.DeleteAsync(stored.Sha256, cancellationToken);
            }
            if (!deleted)
                continue;
            removed++;
            // A crash between a delete's row and its bytes left the blob's previews behind too.
            await RemovedAsync(stored.Sha256, cancellationToken);
        }
        return removed;
    }

    /// <summary>Tells the observers a blob is gone; one that fails is logged, the others are still told.</summary>
    private async Task RemovedAsync(string sha256, CancellationToken cancellationToken)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await observer.BlobRemovedAsync(sha256, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The blob is gone either way; what it leaves behind (its previews) waits for the next removal of it.
                LogObserverFailed(e, "removal", sha256);
            }
        }
    }

    public Task<IReadOnlyList<OwnedBlob>> ListAllAsync(string? cursor, int limit, CancellationToken cancellationToken) => index.ListAllAsync(cursor, limit, cancellationToken);

    public Task<IReadOnlyList<string>> OwnersAsync(string sha256, CancellationToken cancellationToken) => index.OwnersAsync(sha256, cancellationToken);

    /// <summary>The owners of several blobs in one query, each with when it became one.</summary>
    public Task<ILookup<string, BlobOwner>> OwnersOfAsync(IReadOnlyCollection<string> hashes, CancellationToken cancellationToken) => index.OwnersOfAsync(hashes, cancellationToken);

    public Task<IReadOnlyList<BlobRecord>?> ListAsync(BlobListQuery query, CancellationToken cancellationToken) => index.ListAsync(query, cancellationToken);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Blobs: what follows the {Event} of {Sha256} failed")]
    private partial void LogObserverFailed(Exception exception, string @event, string sha256);
}

/// <summary>A blob made from another: the original's hash, what the blob is to it, and the blob's inspected metadata.</summary>
public sealed record DerivedBlob(string OriginalSha256, DerivedBlobKind Kind, BlobMetadata? Metadata);
