namespace Blossom.Core.Blobs;

/// <summary>
/// A blob as a file on this machine, valid until disposed: the store's own file, or a temporary
/// copy that disposing removes.
/// </summary>
public interface ILocalBlobFile : IAsyncDisposable
{
    string Path { get; }
}
