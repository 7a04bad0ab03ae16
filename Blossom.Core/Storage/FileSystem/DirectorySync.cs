using System.Runtime.InteropServices;

namespace Blossom.Core.Storage.FileSystem;

/// <summary>
/// fsync of a directory, which makes the names in it (a rename, a new entry) survive a power loss;
/// .NET opens no directory handles, so this is libc's open/fsync/close.
/// </summary>
internal static partial class DirectorySync
{
    // Same value on every Linux architecture; a directory opens read-only without O_DIRECTORY.
    private const int OpenReadOnlyCloseOnExec = 0x80000;

    /// <summary>Syncs each directory once; on Windows a rename is journalled by NTFS and there is no directory handle to sync.</summary>
    public static void Sync(IEnumerable<string> directories)
    {
        if (OperatingSystem.IsWindows())
            return;
        foreach (var directory in directories.Distinct(StringComparer.Ordinal))
        {
            var fd = Open(directory, OpenReadOnlyCloseOnExec);
            if (fd < 0)
                throw new IOException($"Cannot open {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
            try
            {
                if (Fsync(fd) != 0)
                    throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
            finally
            {
                _ = Close(fd);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
