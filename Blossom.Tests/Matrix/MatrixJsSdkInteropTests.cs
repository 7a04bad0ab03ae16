using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Blossom.Tests.Matrix;

/// <summary>
/// The real <c>matrix-js-sdk</c>, run by node, against the server's Matrix content repository, its
/// tokens checked by the homeserver stand-in (the only stand-in: everything else is the real server).
/// Here rather than in Interop/, whose tests the distributed suite runs too without the Matrix stand-in;
/// its npm folder is Interop/Matrix beside the other JS clients'.
/// </summary>
public sealed class MatrixJsSdkInteropTests
{
    private static readonly string ScriptFolder = Path.Combine(NodeScript.RepositoryRoot(), "Blossom.Tests", "Interop", "Matrix");

    [Fact]
    public async Task MatrixJsSdk_ConfigUploadCreateAsyncUploadDownloadThumbnailPreviewUrl_Succeeds()
    {
        const string serverName = "example.org";
        var png = MediaSamples.PngWithAlpha(320, 240);
        await using var origin = await StartOriginAsync(png);
        await using var homeserver = await HomeserverStandIn.StartAsync();
        var token = homeserver.Login($"@alice:{serverName}");
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Matrix:Enabled"] = "true",
            ["Blossom:Matrix:ServerName"] = serverName,
            ["Blossom:Matrix:HomeserverUrl"] = homeserver.Url.AbsoluteUri,
            // The page's origin is on loopback.
            ["Blossom:Mirror:AllowPrivateNetworks"] = "true",
        });
        app.Start();
        var image = Path.Combine(app.DataRoot, "cover.png");
        await File.WriteAllBytesAsync(image, png);
        (await NodeScript.EnsureInstalledAsync(ScriptFolder)).ExitCode.Should().Be(0, "npm ci installs the pinned matrix-js-sdk");

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "matrix.mjs", app.BaseAddress.ToString().TrimEnd('/'), serverName, token, image, $"{origin.Urls.First()}/page.html");

        exitCode.Should().Be(0, output);
        output.Should().Contain("interop: matrix-js-sdk config, uploadContent, create + upload to it, download (waiting), thumbnail, preview_url ok");
    }

    [Fact]
    public async Task MatrixJsSdk_RemoteMxc_DownloadedAndThumbnailedThroughItsOwnServer()
    {
        await using var servers = await FederatedServers.StartAsync();
        var png = MediaSamples.PngWithAlpha(320, 240);
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), png, "image/png");
        var image = Path.Combine(servers.A.App.DataRoot, "expected.png");
        await File.WriteAllBytesAsync(image, png);
        (await NodeScript.EnsureInstalledAsync(ScriptFolder)).ExitCode.Should().Be(0, "npm ci installs the pinned matrix-js-sdk");

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "remote.mjs", servers.A.App.BaseAddress.ToString().TrimEnd('/'),
            "@bob:a.test", servers.HomeA.Login("@bob:a.test"), mxc, image);

        exitCode.Should().Be(0, output);
        output.Should().Contain("interop: matrix-js-sdk remote mxc download and thumbnail ok");
        servers.HomeB.FederationMediaRequests.Should().Be(1);
    }

    /// <summary>A web page whose og:image is <paramref name="png"/>, for preview_url.</summary>
    private static async Task<WebApplication> StartOriginAsync(byte[] png)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var origin = builder.Build();
        origin.MapGet("/page.html", () => Results.Content(
            "<html><head><meta property=\"og:title\" content=\"Interop page\"><meta property=\"og:image\" content=\"cover.png\"></head></html>", "text/html"));
        origin.MapGet("/cover.png", () => Results.Bytes(png, "image/png"));
        await origin.StartAsync();
        return origin;
    }
}
