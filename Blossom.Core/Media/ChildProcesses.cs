using System.Collections.Concurrent;
using System.Diagnostics;

namespace Blossom.Core.Media;

/// <summary>
/// Starts the long-running tools (ffmpeg) so that they die with the server, even when it is killed
/// with SIGKILL and has no chance to end them: on Linux each runs under
/// <c>setpriv --pdeathsig KILL</c> (util-linux), which asks the kernel to kill the child when its
/// parent goes, then becomes the tool itself (same pid, same command line).
/// </summary>
/// <remarks>
/// The kernel's "parent" is the thread that forked, not the process: the signal fires as soon as
/// that thread exits. .NET forks on the thread that calls <see cref="Process.Start()"/>, and a
/// thread-pool thread may retire at any time, which would kill a healthy ffmpeg mid-job. So every
/// start happens on one dedicated thread that lives as long as the process does.
/// </remarks>
public static class ChildProcesses
{
    private static readonly BlockingCollection<StartRequest> Requests = StartLauncher();

    /// <summary>Whether children get the parent-death signal: Linux only, where <c>setpriv</c> exists.</summary>
    public static bool DieWithServer => OperatingSystem.IsLinux();

    /// <summary>Starts <paramref name="start"/> on the launcher thread; the caller owns the process.</summary>
    public static Task<Process> StartAsync(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var request = new StartRequest(DieWithServer ? UnderSetpriv(start) : start, new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously));
        Requests.Add(request);
        return request.Started.Task;
    }

    /// <summary>The same start, run as <c>setpriv --pdeathsig KILL -- file arguments…</c>.</summary>
    private static ProcessStartInfo UnderSetpriv(ProcessStartInfo start)
    {
        var wrapped = new ProcessStartInfo("setpriv")
        {
            RedirectStandardInput = start.RedirectStandardInput,
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
            UseShellExecute = false,
            WorkingDirectory = start.WorkingDirectory,
        };
        foreach (var argument in (string[])["--pdeathsig", "KILL", "--", start.FileName, .. start.ArgumentList])
            wrapped.ArgumentList.Add(argument);
        foreach (var (name, value) in start.Environment)
            wrapped.Environment[name] = value;
        return wrapped;
    }

    private static BlockingCollection<StartRequest> StartLauncher()
    {
        var requests = new BlockingCollection<StartRequest>();
        // A background thread: it never keeps the process alive, and it ends only with it.
        new Thread(() => Launch(requests)) { IsBackground = true, Name = "Child process launcher" }.Start();
        return requests;
    }

    private static void Launch(BlockingCollection<StartRequest> requests)
    {
        foreach (var request in requests.GetConsumingEnumerable())
        {
            try
            {
                request.Started.SetResult(Process.Start(request.Start) ?? throw new InvalidOperationException($"{request.Start.FileName} could not be started"));
            }
            catch (Exception e)
            {
                // The failure belongs to the caller waiting for this start; the launcher goes on.
                request.Started.SetException(e);
            }
        }
    }

    private sealed record StartRequest(ProcessStartInfo Start, TaskCompletionSource<Process> Started);
}
