namespace Blossom.Tests.Infrastructure;

/// <summary>
/// podman as the container tests run it, as root: on runc with cgroupfs (test machines have no
/// systemd), and with open-file and process limits below the machine's hard limits, which podman's
/// defaults exceed and runc cannot raise. Commands fail with their output unless they exit 0.
/// </summary>
internal static class Podman
{
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromMinutes(2);

    /// <summary>podman's global options; podman accepts them after the command too, where podman-compose puts them.</summary>
    public static IReadOnlyList<string> EngineOptions { get; } = ["--runtime", "runc", "--cgroup-manager=cgroupfs"];

    /// <summary>For <c>build</c> (its <c>RUN</c> steps) and <c>run</c>.</summary>
    public static IReadOnlyList<string> LimitOptions { get; } = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

    /// <summary>Runs <c>podman</c> with <paramref name="arguments"/>; returns its output.</summary>
    public static Task<string> RunAsync(params string[] arguments) => RunAsync(CommandDeadline, arguments);

    public static Task<string> RunAsync(TimeSpan deadline, params string[] arguments) =>
        ProgramRun.RunCheckedAsync("podman", [.. EngineOptions, .. arguments], deadline);

    /// <summary>Runs <c>podman</c> with <paramref name="arguments"/>; returns its exit code and output, whatever they are.</summary>
    public static Task<(int ExitCode, string Output)> TryRunAsync(params string[] arguments) =>
        ProgramRun.RunAsync("podman", [.. EngineOptions, .. arguments], CommandDeadline);

    public static async Task<bool> ImageExistsAsync(string image) => (await TryRunAsync("image", "exists", image)).ExitCode == 0;
}
