namespace Blossom.Core.Blobs;

/// <summary>
/// The exclusive section of one blob hash: commit, adding owners, delete and removal of the same
/// hash run one at a time, so an upload that re-adds a blob never interleaves with the delete of
/// its last owner. Every process that writes the same store and index must share the section.
/// </summary>
public interface IBlobLocks
{
    /// <summary>
    /// Waits until the section of <paramref name="sha256"/> is free and enters it; disposing leaves it.
    /// An implementation may let a few hashes share a section (striping); it never lets two holders of
    /// the same hash in at once.
    /// </summary>
    Task<IAsyncDisposable> EnterAsync(string sha256, CancellationToken cancellationToken);
}
