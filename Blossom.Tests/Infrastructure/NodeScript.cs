using System.Diagnostics;

namespace Blossom.Tests.Infrastructure;

/// <summary>Runs node and npm in a test's script folder (a package.json with pinned dependencies).</summary>
internal static class NodeScript
{
    /// <summary>
    /// <c>npm ci</c> when the folder has no node_modules yet; returns its exit code and output (0 when
    /// nothing to do). Both test projects install the same folders and run at the same time: a lock
    /// file keeps a second <c>npm ci</c> from deleting the node_modules the first is writing.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> EnsureInstalledAsync(string folder)
    {
        await using var installing = await LockAsync(folder);
        return Directory.Exists(Path.Combine(folder, "node_modules")) ? (0, "") : await RunAsync(folder, "npm", "ci", "--no-audit", "--no-fund");
    }

    /// <summary>An exclusive lock on a file named after <paramref name="folder"/>, across processes (.NET locks files it opens unshared).</summary>
    private static async Task<FileStream> LockAsync(string folder)
    {
        var name = "blossom-npm-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(folder))))[..16] + ".lock";
        var path = Path.Combine(Path.GetTempPath(), name);
        return await Poll.ForAsync(() => Task.FromResult(TryOpenUnshared(path)), $"another test process releases {path}", TimeSpan.FromMinutes(5));
    }

    private static FileStream? TryOpenUnshared(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="fileName"/> in <paramref name="folder"/>, killed after 3 minutes; returns its exit code and stdout + stderr.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string folder, string fileName, params string[] arguments) =>
        RunAsync(folder, new Dictionary<string, string>(), fileName, arguments);

    /// <summary>The same with <paramref name="environment"/> added to the process's environment.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string folder, IReadOnlyDictionary<string, string> environment, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The folder holding Blossom.sln, found upwards from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Blossom.sln")))
            folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("Blossom.sln not found above the test binaries.");
    }
}
