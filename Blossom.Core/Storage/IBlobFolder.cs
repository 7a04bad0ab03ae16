namespace Blossom.Core.Storage;

/// <summary>
/// A store that keeps each blob as a file at a fixed place below one folder, so that a proxy in front,
/// serving that folder, can send a blob's bytes itself (X-Accel-Redirect).
/// </summary>
public interface IBlobFolder
{
    /// <summary>Where a blob's file lies below the store's folder, as a URL path (<c>ab/cd/abcd…</c>): what a proxy serving that folder asks for.</summary>
    string RelativeUrlOf(string sha256);

    /// <summary>The bytes free to this process on the volume the folder is on: what blobs can still grow into.</summary>
    long FreeBytes();
}
