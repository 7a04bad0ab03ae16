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

    // No setting changed: what a new user's server does with the SDK's first calls.
    [Fact]
    public async Task BlossomClientSdk_OnDefaults_ScopedUploadSlowClockDeleteAndUploadMediaOfAVideo_Succeed()
    {
        using var app = new BlossomApplication();
        app.Start();
        (await NodeScript.EnsureInstalledAsync(ScriptFolder)).ExitCode.Should().Be(0, "npm ci installs the pinned JS client");
        var clip = Path.Combine(app.DataRoot, "clip.mp4");
        await File.WriteAllBytesAsync(clip, await Media.MediaSamples.VideoAsync(1920, 1080, fps: 30, seconds: 4));

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "defaults.mjs", app.BaseAddress.ToString().TrimEnd('/'), clip);

        exitCode.Should().Be(0, output);
        output.Should().Contain("interop: defaults, scoped upload, slow-clock delete, uploadMedia of a video ok");
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
