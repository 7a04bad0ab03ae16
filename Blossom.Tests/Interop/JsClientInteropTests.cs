using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Interop;

/// <summary>The real <c>blossom-client-sdk</c> and <c>nostr-tools</c>, run by node, against the server.</summary>
public sealed class JsClientInteropTests
{
    private static readonly string ScriptFolder = Path.Combine(NodeScript.RepositoryRoot(), "Blossom.Tests", "Interop");

    [Theory]
    [InlineData("Sync")]
    [InlineData("Async")]
    public async Task BlossomClientSdk_UploadGetListDeleteAndUploadMedia_Succeeds(string mediaMode)
    {
        // The SDK's uploadMedia speaks today's synchronous BUD-05: Sync mode answers it the
        // descriptor, the default mode a completed task that carries the descriptor's fields too.
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Mode"] = mediaMode });
        app.Start();
        (await NodeScript.EnsureInstalledAsync(ScriptFolder)).ExitCode.Should().Be(0, "npm ci installs the pinned JS client");

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "interop.mjs", app.BaseAddress.ToString().TrimEnd('/'));

        exitCode.Should().Be(0, output);
        output.Should().Contain("interop: upload, get, list, delete, uploadMedia ok");
    }

    [Fact]
    public async Task Fetch_ChunkedUploadWithPatchAsABrowserClientSendsIt_Succeeds()
    {
        using var app = new BlossomApplication();
        app.Start();
        (await NodeScript.EnsureInstalledAsync(ScriptFolder)).ExitCode.Should().Be(0, "npm ci installs the pinned JS client");

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "chunked-upload.mjs", app.BaseAddress.ToString().TrimEnd('/'));

        exitCode.Should().Be(0, output);
        output.Should().Contain("interop: chunked upload with PATCH ok");
    }
}
