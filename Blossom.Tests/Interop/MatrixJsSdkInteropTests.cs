using Blossom.Tests.Infrastructure;
using Blossom.Tests.Matrix;
using Blossom.Tests.Media;

namespace Blossom.Tests.Interop;

/// <summary>
/// The real <c>matrix-js-sdk</c>, run by node, against the server's Matrix content repository, its
/// tokens checked by the homeserver stand-in (the only stand-in: everything else is the real server).
/// </summary>
public sealed class MatrixJsSdkInteropTests
{
    private static readonly string ScriptFolder = Path.Combine(NodeScript.RepositoryRoot(), "Blossom.Tests", "Interop", "Matrix");

    [Fact]
    public async Task MatrixJsSdk_ConfigUploadCreateAsyncUploadDownloadThumbnail_Succeeds()
    {
        const string serverName = "example.org";
        await using var homeserver = await HomeserverStandIn.StartAsync();
        var token = homeserver.Login($"@alice:{serverName}");
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Matrix:Enabled"] = "true",
            ["Blossom:Matrix:ServerName"] = serverName,
            ["Blossom:Matrix:HomeserverUrl"] = homeserver.Url.AbsoluteUri,
        });
        app.Start();
        var image = Path.Combine(app.DataRoot, "cover.png");
        await File.WriteAllBytesAsync(image, MediaSamples.PngWithAlpha(320, 240));
        (await NodeScript.EnsureInstalledAsync(ScriptFolder)).ExitCode.Should().Be(0, "npm ci installs the pinned matrix-js-sdk");

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "matrix.mjs", app.BaseAddress.ToString().TrimEnd('/'), serverName, token, image);

        exitCode.Should().Be(0, output);
        output.Should().Contain("interop: matrix-js-sdk config, uploadContent, create + upload to it, download (waiting), thumbnail ok");
    }
}
