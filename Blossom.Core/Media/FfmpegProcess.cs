using System.Diagnostics;
using System.Globalization;

namespace Blossom.Core.Media;

/// <summary>One ffmpeg run and the limits it runs under.</summary>
/// <param name="Arguments">ffmpeg's arguments; the output file is the last.</param>
/// <param name="Noun">What is transcoded, as the messages a user reads name it: <c>video</c>, <c>audio file</c>.</param>
/// <param name="ExpectedDuration">The input's length as probed, for progress; zero when unknown.</param>
/// <param name="MaxDuration">
/// The longest media accepted. A header may understate the length, so the run itself is bounded:
/// content that goes on past this is refused as too long, whatever the header said.
/// </param>
/// <param name="TimeLimit">Wall-clock time the run may take.</param>
/// <param name="MoreOutputs">
/// Further outputs of the same run, each its options then its file: ffmpeg decodes the input once
/// for all of them. Each is cut like the main one; success is judged on the main output.
/// </param>
public sealed record FfmpegRun(IReadOnlyList<string> Arguments, string Noun, TimeSpan ExpectedDuration, TimeSpan MaxDuration, TimeSpan TimeLimit,
    IReadOnlyList<IReadOnlyList<string>>? MoreOutputs = null);

/// <summary>
/// Runs ffmpeg with an argument list (never a joined command line), reads its <c>-progress</c>
/// output as percent of the expected duration, and ends the process tree however the run ends.
/// Success is exit code 0 and an output that holds media.
/// </summary>
public static class FfmpegProcess
{
    private const int StderrTailLength = 2000;

    // Encoders pad the end a little (AAC priming, the last frame's length): an output this much past
    // the limit is still the input's own length.
    private const long ToleranceMicroseconds = 500_000;

    // The output is cut this far past the limit, not at it, so content that runs on shows up as
    // media written beyond the limit instead of being trimmed silently.
    private static readonly TimeSpan CutMargin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs <c>ffmpeg</c> with the run's arguments followed by <c>-t</c> (the limit plus a margin)
    /// and <c>-progress pipe:1 -nostats</c>.
    /// </summary>
    /// <exception cref="MediaRejectedException">
    /// The content runs past <see cref="FfmpegRun.MaxDuration"/>, the run took longer than
    /// <see cref="FfmpegRun.TimeLimit"/>, or ffmpeg failed or wrote no media; the detail holds the
    /// end of its error output.
    /// </exception>
    public static async Task RunAsync(FfmpegRun run, IProgress<int> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(progress);
        var output = run.Arguments[^1];
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in run.Arguments.SkipLast(1))
            start.ArgumentList.Add(argument);
        // Progress goes to stdout as key=value lines; the output file stays the last argument.
        var cut = Seconds(run.MaxDuration + CutMargin, "F3");
        foreach (var argument in (string[])["-t", cut, "-progress", "pipe:1", "-nostats", output])
            start.ArgumentList.Add(argument);
        // The progress ffmpeg reports is the furthest any output got, so the limit holds for them all.
        foreach (var more in run.MoreOutputs ?? [])
        {
            foreach (var argument in (string[])[.. more.SkipLast(1), "-t", cut, more[^1]])
                start.ArgumentList.Add(argument);
        }
        var maxMicroseconds = (long)run.MaxDuration.TotalMicroseconds + ToleranceMicroseconds;

        using var timeLimit = new CancellationTokenSource(run.TimeLimit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);
        using var process = await ChildProcesses.StartAsync(start);
        var stderr = ReadTailAsync(process.StandardError);
        var written = 0L;
        try
        {
            while (written <= maxMicroseconds && await process.StandardOutput.ReadLineAsync(linked.Token) is { } line)
            {
                if (!line.StartsWith("out_time_us=", StringComparison.Ordinal)
                    || !long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var microseconds) || microseconds < 0)
                    continue;
                written = microseconds;
                if (run.ExpectedDuration > TimeSpan.Zero)
                    progress.Report((int)Math.Clamp(microseconds / run.ExpectedDuration.TotalMicroseconds * 100, 0, 99));
            }
            if (written <= maxMicroseconds)
                await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeLimit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MediaRejectedException($"This {run.Noun} took longer than the limit of {Seconds(run.TimeLimit, "F0")} seconds to transcode") { ToolFailed = true };
        }
        finally
        {
            // However the run ends (done, too long, canceled, timed out, an exception), no ffmpeg outlives it.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        var errors = await stderr;
        var failure = $"This {run.Noun} could not be transcoded";
        if (written > maxMicroseconds)
            throw new MediaRejectedException($"{char.ToUpperInvariant(run.Noun[0])}{run.Noun[1..]} runs longer than the limit of {Seconds(run.MaxDuration, "F0")} seconds",
                string.Create(CultureInfo.InvariantCulture, $"stopped at {written / 1e6:F1} s of output; the header said {run.ExpectedDuration.TotalSeconds:F1} s"));
        if (process.ExitCode != 0)
            throw new MediaRejectedException(failure, $"ffmpeg exited with {process.ExitCode}: {errors}") { ToolFailed = true };
        // ffmpeg exits 0 when it encoded nothing (a seek past the end, no decodable frame): an MP4
        // without samples is a file, not a result.
        if (written == 0 || !File.Exists(output) || new FileInfo(output).Length == 0)
            throw new MediaRejectedException(failure, $"ffmpeg exited with 0 but wrote no media: {errors}") { ToolFailed = true };
    }

    /// <summary>
    /// Ends ffmpeg processes that an earlier server process left working on files in
    /// <paramref name="outputFolder"/> (where the parent-death signal is missing or came too late);
    /// returns how many. They are found by their command line in <c>/proc</c>.
    /// </summary>
    public static int KillStrays(string outputFolder)
    {
        if (!Directory.Exists("/proc"))
            return 0;
        var inFolder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputFolder)) + Path.DirectorySeparatorChar;
        var killed = 0;
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
                continue;
            string[] commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // ended meanwhile, or not ours to read
            }
            if (Path.GetFileName(commandLine[0]) != "ffmpeg" || !commandLine.Any(a => a.StartsWith(inFolder, StringComparison.Ordinal)))
                continue;
            try
            {
                using var stray = Process.GetProcessById(pid);
                stray.Kill(entireProcessTree: true);
                killed++;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Ended meanwhile, or another user's: nothing this process can do about it.
            }
        }
        return killed;
    }

    /// <summary>
    /// Whether ffmpeg and ffprobe run, ffmpeg has the libx264 and AAC encoders, and (on Linux)
    /// <c>setpriv</c> can give it the parent-death signal; the problem when not.
    /// </summary>
    public static async Task<string?> CheckAvailableAsync(CancellationToken cancellationToken)
    {
        if (ChildProcesses.DieWithServer
            && (await CaptureAsync("setpriv", ["--pdeathsig", "KILL", "--", "true"], cancellationToken)).ExitCode != 0)
            return "setpriv (util-linux 2.33 or later) is missing; it makes ffmpeg die with the server";
        foreach (var tool in (string[])["ffmpeg", "ffprobe"])
        {
            var (exitCode, _) = await CaptureAsync(tool, ["-hide_banner", "-version"], cancellationToken);
            if (exitCode != 0)
                return $"{tool} is not installed or does not run (Debian: apt-get install ffmpeg)";
        }
        var (_, encoders) = await CaptureAsync("ffmpeg", ["-hide_banner", "-encoders"], cancellationToken);
        return encoders.Contains(" libx264 ", StringComparison.Ordinal) && encoders.Contains(" aac ", StringComparison.Ordinal)
            ? null
            : "ffmpeg lacks the libx264 or aac encoder";
    }

    private static async Task<(int ExitCode, string Output)> CaptureAsync(string fileName, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await errors;
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "");
        }
    }

    private static string Seconds(TimeSpan time, string format) => time.TotalSeconds.ToString(format, CultureInfo.InvariantCulture);

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var text = await reader.ReadToEndAsync();
        return text.Length <= StderrTailLength ? text.Trim() : text[^StderrTailLength..].Trim();
    }
}
