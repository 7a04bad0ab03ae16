using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Browser;

/// <summary>The landing page in headless Chromium (playwright-core), signing with a fake NIP-07 extension.</summary>
public sealed class LandingPageTests
{
    private static readonly string ScriptFolder = Path.Combine(NodeScript.RepositoryRoot(), "Blossom.Tests", "Browser");

    [Theory]
    [InlineData("5")]
    [InlineData("0")]
    public async Task LandingPage_ShowsLimitsAndUploadsAsIsAndOptimized_Succeeds(string inlineWaitSeconds)
    {
        // The default media mode: PUT /media answers the task complete when it ended while the
        // request was held (an image within the default 5 s), else running for the page to poll.
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:InlineWaitSeconds"] = inlineWaitSeconds });
        app.Start();
        var install = await NodeScript.EnsureInstalledAsync(ScriptFolder);
        install.ExitCode.Should().Be(0, "npm ci installs the pinned playwright-core and nostr-tools: {0}", install.Output);

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "landing.mjs", app.BaseAddress.ToString().TrimEnd('/'), "-");

        exitCode.Should().Be(0, output);
        output.Should().Contain("landing page: upload and media ok");
    }

    [Fact]
    public async Task LandingPage_FileLargerThanAChunk_UploadedInChunksRetryingTheOneThatFailed()
    {
        using var app = new BlossomApplication();
        app.Start();
        var install = await NodeScript.EnsureInstalledAsync(ScriptFolder);
        install.ExitCode.Should().Be(0, "npm ci installs the pinned playwright-core and nostr-tools: {0}", install.Output);

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "landing.mjs", app.BaseAddress.ToString().TrimEnd('/'), "-", "chunked");

        exitCode.Should().Be(0, output);
        output.Should().Contain("landing page: chunked upload ok");
    }

    [Fact]
    public async Task LandingPage_VideoWithHls_PlaysInTheVideoElement()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Media:Video:Hls"] = "true",
            ["Blossom:Media:Video:HlsHeights:0"] = "240",
            ["Blossom:Media:Video:HlsHeights:1"] = "180",
            ["Blossom:Media:Video:HlsHeights:2"] = "180",
            ["Blossom:Media:Video:HlsSegmentSeconds"] = "1",
            ["Blossom:Media:Video:Preset"] = "ultrafast",
        });
        app.Start();
        var install = await NodeScript.EnsureInstalledAsync(ScriptFolder);
        install.ExitCode.Should().Be(0, "npm ci installs the pinned playwright-core and nostr-tools: {0}", install.Output);
        var clip = Path.Combine(app.DataRoot, "clip.mp4");
        await File.WriteAllBytesAsync(clip, await Media.MediaSamples.VideoAsync(320, 240, fps: 10, seconds: 3));

        var (exitCode, output) = await NodeScript.RunAsync(ScriptFolder, "node", "landing.mjs", app.BaseAddress.ToString().TrimEnd('/'), "-", "video", clip);

        exitCode.Should().Be(0, output);
        output.Should().Contain("landing page: video ok");
    }
}
