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
}
