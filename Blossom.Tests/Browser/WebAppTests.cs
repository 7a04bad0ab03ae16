using System.Net;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Browser;

/// <summary>
/// The web app's "My blobs" and "Admin" pages in headless Chromium (playwright-core), each user signing
/// with a fake NIP-07 extension; and what the pages are without a browser: static files with a favicon.
/// </summary>
public sealed class WebAppTests
{
    private static readonly string ScriptFolder = Path.Combine(NodeScript.RepositoryRoot(), "Blossom.Tests", "Browser");

    [Fact]
    public async Task WebApp_MyBlobsAndAdmin_ListPreviewDeleteBlockUnblockAndDeleteReported()
    {
        var operatorSecret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var operatorPubkey = new NostrSigner(operatorSecret).Pubkey;
        // InlineWaitSeconds 0: the landing page's optimization answers a running task, which the page remembers.
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Admin:Pubkeys:0"] = operatorPubkey,
            ["Blossom:Media:InlineWaitSeconds"] = "0",
        });
        app.Start();
        var install = await NodeScript.EnsureInstalledAsync(ScriptFolder);
        install.ExitCode.Should().Be(0, "npm ci installs the pinned playwright-core and nostr-tools: {0}", install.Output);
        var screenshots = Directory.CreateDirectory(Path.Combine(app.DataRoot, "screenshots")).FullName;

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "webapp.mjs", app.BaseAddress.ToString().TrimEnd('/'), screenshots, Convert.ToHexStringLower(operatorSecret));

        exitCode.Should().Be(0, output);
        output.Should().Contain("web app: my blobs ok").And.Contain("web app: admin ok");
        // Kept beside the test binaries (the temp folder goes with the server) for a person to look at.
        var kept = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        foreach (var name in new[] { "webapp-my-blobs.png", "webapp-admin.png" })
        {
            var shot = await File.ReadAllBytesAsync(Path.Combine(screenshots, name));
            shot.Take(8).Should().Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "{0} is a PNG", name);
            File.Copy(Path.Combine(screenshots, name), Path.Combine(kept, name), overwrite: true);
        }
    }

    [Fact]
    public async Task WebApp_AdminWithMatrixOn_ShowsTheQuarantineAndLiftsIt()
    {
        var operatorSecret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var server = await Matrix.MatrixTestServer.StartAsync(new() { ["Blossom:Admin:Pubkeys:0"] = new NostrSigner(operatorSecret).Pubkey });
        var install = await NodeScript.EnsureInstalledAsync(ScriptFolder);
        install.ExitCode.Should().Be(0, "npm ci installs the pinned playwright-core and nostr-tools: {0}", install.Output);

        var (exitCode, output) = await NodeScript.RunAsync(
            ScriptFolder, "node", "webapp.mjs", server.App.BaseAddress.ToString().TrimEnd('/'), "-", Convert.ToHexStringLower(operatorSecret), "matrix");

        exitCode.Should().Be(0, output);
        output.Should().Contain("web app: matrix quarantine ok");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/blobs.html")]
    [InlineData("/admin.html")]
    public async Task Page_WithoutJavaScript_ExplainsWhatItNeedsAndLinksTheFavicon(string path)
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        using var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var html = await response.Content.ReadAsStringAsync();
        html.Should().Contain("<noscript>").And.Contain("NIP-07").And.Contain("<a href=\"/info\">").And.Contain("href=\"favicon.svg\" type=\"image/svg+xml\"");
    }

    [Fact]
    public async Task Favicon_IsServedAsSvg()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        using var response = await client.GetAsync("/favicon.svg");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/svg+xml");
        (await response.Content.ReadAsStringAsync()).Should().StartWith("<svg");
    }
}
