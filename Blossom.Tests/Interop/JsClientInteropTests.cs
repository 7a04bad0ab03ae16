using System.Diagnostics;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Interop;

/// <summary>The real <c>blossom-client-sdk</c> and <c>nostr-tools</c>, run by node, against the server.</summary>
public sealed class JsClientInteropTests
{
    private static readonly string ScriptFolder = Path.Combine(RepositoryRoot(), "Blossom.Tests", "Interop");

    [Fact]
    public async Task BlossomClientSdk_UploadGetListDeleteAndUploadMedia_Succeeds()
    {
        // The SDK's uploadMedia speaks today's synchronous BUD-05.
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Mode"] = "Sync" });
        app.Start();
        if (!Directory.Exists(Path.Combine(ScriptFolder, "node_modules")))
            (await RunAsync("npm", "ci", "--no-audit", "--no-fund")).ExitCode.Should().Be(0, "npm ci installs the pinned JS client");

        var (exitCode, output) = await RunAsync("node", "interop.mjs", app.BaseAddress.ToString().TrimEnd('/'));

        exitCode.Should().Be(0, output);
        output.Should().Contain("interop: upload, get, list, delete, uploadMedia ok");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = ScriptFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
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

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Blossom.sln")))
            folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("Blossom.sln not found above the test binaries.");
    }
}
