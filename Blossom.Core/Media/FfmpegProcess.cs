using System.Diagnostics;
using System.Globalization;

namespace Blossom.Core.Media;

/// <summary>
/// Runs ffmpeg with an argument list (never a joined command line), reads its <c>-progress</c>
/// output as percent of the expected duration, and on cancellation ends the process tree at once.
/// </summary>
public static class FfmpegProcess
{
    private const int StderrTailLength = 2000;

    /// <summary>
    /// Runs <c>ffmpeg</c> with <paramref name="arguments"/> followed by <c>-progress pipe:1 -nostats</c>.
    /// </summary>
    /// <exception cref="MediaRejectedException">ffmpeg failed; the detail holds the end of its error output.</exception>
    public static async Task RunAsync(IReadOnlyList<string> arguments, TimeSpan duration, IProgress<int> progress, string failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(progress);
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.SkipLast(1))
            start.ArgumentList.Add(argument);
        // Progress goes to stdout as key=value lines; the output file stays the last argument.
        foreach (var argument in (string[])["-progress", "pipe:1", "-nostats", arguments[^1]])
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg could not be started");
        var stderr = ReadTailAsync(process.StandardError);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (duration > TimeSpan.Zero && line.StartsWith("out_time_us=", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var microseconds))
                    progress.Report((int)Math.Clamp(microseconds / duration.TotalMicroseconds * 100, 0, 99));
            }
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new MediaRejectedException(failure, $"ffmpeg exited with {process.ExitCode}: {errors}") { ToolFailed = true };
    }

    /// <summary>Whether ffmpeg and ffprobe run and ffmpeg has the libx264 and AAC encoders; the problem when not.</summary>
    public static async Task<string?> CheckAvailableAsync(CancellationToken cancellationToken)
    {
        foreach (var tool in (string[])["ffmpeg", "ffprobe"])
        {
            var (exitCode, _) = await CaptureAsync(tool, ["-hide_banner", "-version"], cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
                return $"{tool} is not installed or does not run (Debian: apt-get install ffmpeg)";
        }
        var (_, encoders) = await CaptureAsync("ffmpeg", ["-hide_banner", "-encoders"], cancellationToken).ConfigureAwait(false);
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
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await errors.ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "");
        }
    }

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var text = await reader.ReadToEndAsync().ConfigureAwait(false);
        return text.Length <= StderrTailLength ? text.Trim() : text[^StderrTailLength..].Trim();
    }
}
