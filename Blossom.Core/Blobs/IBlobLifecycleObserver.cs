namespace Blossom.Core.Blobs;

/// <summary>
/// Told by <see cref="BlobService"/> when a blob comes and goes, whatever path it took (upload, mirror,
/// chunked or Matrix upload, media output, preview; owner's or operator's delete, the orphan sweep), so
/// a rule that follows a blob's life lives in one place rather than in each path. Called after the
/// blob's section is released; a failure is logged and never undoes what was stored or removed.
/// </summary>
public interface IBlobLifecycleObserver
{
    /// <summary>A blob that did not exist before is stored and indexed; <paramref name="derived"/> when made from another.</summary>
    Task BlobCommittedAsync(BlobRecord blob, DerivedBlob? derived, CancellationToken cancellationToken);

    /// <summary>A blob's bytes and index row are gone (its last owner deleted it, the operator removed it, or a sweep did).</summary>
    Task BlobRemovedAsync(string sha256, CancellationToken cancellationToken);
}
