using System.Diagnostics;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// A small tmpfs mounted on a fresh folder, to run out of space for real. Needs root, as the
/// tests and CI run; a failed mount fails the test rather than skipping it.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static TmpfsMount Create(string size)
    {
        var path = Directory.CreateTempSubdirectory("blossom-tmpfs-").FullName;
        var (exit, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        if (exit != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"Could not mount a {size} tmpfs on {path} (exit {exit}): {output}. These tests need root to run out of disk space for real.");
        }
        return new TmpfsMount(path);
    }

    /// <summary>Writes zeros to a file on the mount until the file system is full.</summary>
    public void Fill()
    {
        using var filler = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true)
                filler.Write(block);
        }
        catch (IOException)
        {
            // Full: exactly what was asked for.
        }
    }

    public void Dispose()
    {
        Run("umount", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static (int Exit, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }
}
