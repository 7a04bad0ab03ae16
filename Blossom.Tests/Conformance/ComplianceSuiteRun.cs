using System.Diagnostics;
using System.Text.Json;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Conformance;

/// <summary>
/// One run of the vendored compliance suite (<c>blossom-compliance/</c>) by bun against the built
/// server as a process of its own, on its default settings, for every test of a class. The suite
/// writes its report into its own folder, so it runs from a copy in a temp folder, with the pinned
/// <c>node_modules</c> of <c>Blossom.Tests/Conformance</c> linked in.
/// </summary>
public sealed class ComplianceSuiteRun : IAsyncLifetime
{
    /// <summary>
    /// The only setting that differs from a default install: the suite mirrors blobs from the server
    /// under test, at a loopback address, which the mirror refuses by default (SSRF guard).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Mirror:AllowPrivateNetworks"] = "true",
    };

    private static readonly TimeSpan SuiteDeadline = TimeSpan.FromMinutes(5);
    private static readonly string RunnerFolder = Path.Combine(NodeScript.RepositoryRoot(), "Blossom.Tests", "Conformance");
    private static readonly string SuiteFolder = Path.Combine(RunnerFolder, "blossom-compliance");
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-compliance-").FullName;
    private Dictionary<string, IReadOnlyList<ComplianceCheck>> _modules = [];

    public async Task InitializeAsync()
    {
        var (installExit, installOutput) = await NodeScript.EnsureInstalledAsync(RunnerFolder);
        if (installExit != 0)
            throw new InvalidOperationException($"npm ci in Blossom.Tests/Conformance failed (exit {installExit}); the compliance suite needs node and npm:\n{installOutput}");

        var suite = Path.Combine(_root, "blossom-compliance");
        CopySuite(SuiteFolder, suite);
        Directory.CreateSymbolicLink(Path.Combine(suite, "node_modules"), Path.Combine(RunnerFolder, "node_modules"));

        using var server = await ServerProcess.StartAsync(Directory.CreateDirectory(Path.Combine(_root, "server")).FullName, Settings);
        var start = new ProcessStartInfo(Path.Combine(RunnerFolder, "node_modules", ".bin", "bun"))
        {
            WorkingDirectory = suite,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // --no-install: every package comes from the pinned node_modules, never fetched at run time.
        foreach (var argument in (string[])["run", "--no-install", "report.ts"])
            start.ArgumentList.Add(argument);
        start.Environment["BLOSSOM_SERVER_URL"] = server.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);
        start.Environment["DO_NOT_TRACK"] = "1";
        using var bun = Process.Start(start)!;
        var (exitCode, output) = await ProgramRun.WaitAsync(bun, "bun run report.ts", SuiteDeadline);
        if (exitCode != 0)
            throw new InvalidOperationException($"bun run report.ts exited {exitCode}:\n{output}\n--- server ---\n{server.Output}");

        Read(Path.Combine(suite, "report", "results.json"));
    }

    /// <summary>The checks of one module, by its <c>budId</c> (e.g. <c>BUD-01</c>).</summary>
    public IReadOnlyList<ComplianceCheck> Module(string budId) =>
        _modules.TryGetValue(budId, out var checks)
            ? checks
            : throw new InvalidOperationException($"The report has no module {budId}; it has {string.Join(", ", _modules.Keys)}.");

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The suite's own files; a report or node_modules left by a run by hand in the repository stays behind.</summary>
    private static void CopySuite(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(folder);
            if (name is not ("node_modules" or "report"))
                CopySuite(folder, Path.Combine(to, name));
        }
    }

    /// <summary><c>results.json</c>: one entry per server (here one), each with its modules (<c>buds</c>) and their checks (<c>cases</c>).</summary>
    private void Read(string path)
    {
        using var report = JsonDocument.Parse(File.ReadAllBytes(path));
        var server = report.RootElement.EnumerateArray().Single();
        _modules = server.GetProperty("buds").EnumerateArray().ToDictionary(
            bud => bud.GetProperty("budId").GetString()!,
            bud => (IReadOnlyList<ComplianceCheck>)[.. bud.GetProperty("cases").EnumerateArray().Select(ComplianceCheck.From)],
            StringComparer.Ordinal);
    }
}
