using System.Diagnostics;

namespace Blossom.Tests.Infrastructure;

/// <summary>Waiting for a program the tests started with its output redirected.</summary>
internal static class ProgramRun
{
    /// <summary>
    /// Waits up to <paramref name="deadline"/> for <paramref name="process"/> to end, reading both outputs
    /// meanwhile so a full pipe cannot stall it; past the deadline kills its tree and throws, naming
    /// <paramref name="command"/> with all it wrote. Returns its exit code and its output, stdout first.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> WaitAsync(Process process, string command, TimeSpan deadline)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not end within {deadline}:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (each one argument, no shell)
    /// to its end, as <see cref="WaitAsync"/> does; <paramref name="environment"/> is added to the
    /// test's own. Returns its exit code and output.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan deadline, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not run {fileName}: {e.Message}. .ci/run installs what the tests need.", e);
        }
        using (process)
            return await WaitAsync(process, Describe(fileName, start.ArgumentList), deadline);
    }

    /// <summary><see cref="RunAsync"/>, failing with the command and its output unless it exits 0; returns the output.</summary>
    public static async Task<string> RunCheckedAsync(string fileName, IEnumerable<string> arguments, TimeSpan deadline, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var list = arguments.ToList();
        var (exitCode, output) = await RunAsync(fileName, list, deadline, workingDirectory, environment);
        if (exitCode != 0)
            throw new InvalidOperationException($"{Describe(fileName, list)} exited {exitCode}:\n{Tail(output)}");
        return output;
    }

    private static string Describe(string fileName, IEnumerable<string> arguments) => $"{fileName} {string.Join(' ', arguments)}";

    /// <summary>The end of a long output (a container build writes thousands of lines), where a failure is told.</summary>
    private static string Tail(string output) => output.Length <= 20_000 ? output : "…\n" + output[^20_000..];
}
