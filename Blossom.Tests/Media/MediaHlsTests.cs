using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Media;

/// <summary>PUT /media with Media:Video:Hls: an HLS ladder of blobs that plays from the server, as a player reads it.</summary>
public sealed partial class MediaHlsTests
{
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();

    /// <summary>HLS on, a ladder of 360/240/180 (three entries, as the shipped settings list three), 1 s segments.</summary>
    private static Dictionary<string, string?> Ladder(params string[] heights)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Blossom:Media:Video:Hls"] = "true",
            ["Blossom:Media:Video:HlsSegmentSeconds"] = "1",
            ["Blossom:Media:Video:Preset"] = "ultrafast",
        };
        for (var i = 0; i < heights.Length; i++)
            settings[$"Blossom:Media:Video:HlsHeights:{i}"] = heights[i];
        return settings;
    }

    [Fact]
    public async Task Hls_LadderPlaysOverHttp_EveryVariantDecodesToTheEnd()
    {
        using var app = new BlossomApplication(Ladder("360", "240", "180"));
        var client = app.Start();

        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(640, 360, fps: 10, seconds: 3), "video/mp4")).Id);

        done.Status.Should().Be("complete", done.Message);
        done.Blob!.Type.Should().Be("video/mp4", "the task's blob stays the MP4");
        var streaming = done.Streaming!;
        streaming.Type.Should().Be("application/vnd.apple.mpegurl");
        streaming.Url.Should().EndWith(".m3u8");
        done.Blob.Nip94.Should().ContainEquivalentOf(new[] { "streaming", streaming.Url });

        var masterUrl = new Uri(streaming.Url);
        var (master, masterType) = await GetTextAsync(client, masterUrl);
        masterType.Should().Be("application/vnd.apple.mpegurl");
        var variants = References(master);
        variants.Should().HaveCount(3).And.OnlyContain(v => HashPath().IsMatch(v) && v.EndsWith(".m3u8", StringComparison.Ordinal), "the master names variants by relative hash paths only");
        ResolutionsIn(master).Should().Equal("640x360", "426x240", "320x180");
        foreach (var variant in variants)
        {
            var variantUrl = new Uri(masterUrl, variant);
            var (playlist, playlistType) = await GetTextAsync(client, variantUrl);
            playlistType.Should().Be("application/vnd.apple.mpegurl");
            var segments = References(playlist);
            segments.Should().HaveCount(3, "3 s in 1 s segments").And.OnlyContain(s => HashPath().IsMatch(s) && s.EndsWith(".ts", StringComparison.Ordinal));
            using (var segment = await client.GetAsync(new Uri(variantUrl, segments[0])))
                segment.Content.Headers.ContentType!.MediaType.Should().Be("video/mp2t");

            // A player's reading: the variant from its URL, every frame decoded.
            var frames = await ProbeFramesAsync(variantUrl);
            frames.Should().Be(30, "3 s at 10 frames a second, all of them");
        }
        // And the whole ladder from the master: ffmpeg opens every variant through the relative paths.
        (await FfmpegAsync("-v", "error", "-xerror", "-i", masterUrl.ToString(), "-map", "0", "-f", "null", "-")).Should().Be(0);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task Info_SaysWhetherVideoGetsAnHlsLadder(string setting, bool expected)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Video:Hls"] = setting });
        var client = app.Start();

        var info = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/info");

        info.GetProperty("media").GetProperty("videoHls").GetBoolean().Should().Be(expected);
    }

    [Fact]
    public async Task Hls_480pSource_GetsNoLargerRendition()
    {
        using var app = new BlossomApplication(Ladder("1080", "720", "480"));
        var client = app.Start();

        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(854, 480, fps: 10, seconds: 1), "video/mp4")).Id);

        done.Status.Should().Be("complete", done.Message);
        var (master, _) = await GetTextAsync(client, new Uri(done.Streaming!.Url));
        ResolutionsIn(master).Should().Equal("854x480");
    }

    [Fact]
    public async Task Hls_PortraitSource_LadderKeepsItsShape()
    {
        using var app = new BlossomApplication(Ladder("360", "240", "240"));
        var client = app.Start();

        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(360, 640, fps: 10, seconds: 1), "video/mp4")).Id);

        var (master, _) = await GetTextAsync(client, new Uri(done.Streaming!.Url));
        ResolutionsIn(master).Should().Equal("360x640", "240x426");
    }

    [Fact]
    public async Task Hls_SameOriginalAgain_CompleteAtOnce_TheSecondUploaderOwnsTheWholeSet()
    {
        using var app = new BlossomApplication(Ladder("240", "180", "180"));
        var client = app.Start();
        var original = await MediaSamples.VideoAsync(320, 240, fps: 10, seconds: 2);
        var first = await client.WaitForEndAsync((await client.SubmitAsync(_alice, original, "video/mp4")).Id);

        var second = await client.SubmitAsync(_bob, original, "video/mp4");

        second.Status.Should().Be("complete");
        second.Streaming!.Sha256.Should().Be(first.Streaming!.Sha256);
        var alices = (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}"))!.Select(b => b.Sha256);
        var bobs = (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}"))!.Select(b => b.Sha256);
        // MP4, master, 2 variants, 2 x 2 segments.
        alices.Should().HaveCount(8);
        bobs.Should().BeEquivalentTo(alices, "a delete of Alice's must not take a segment from under Bob");
    }

    [Fact]
    public async Task Hls_CancelMidLadder_FfmpegEnds_NoBlobsNoFilesLeft()
    {
        var settings = Ladder("360", "240", "180");
        settings["Blossom:Media:Video:Preset"] = "veryslow";
        settings["Blossom:Media:Workers"] = "1";
        using var app = new BlossomApplication(settings);
        var client = app.Start();
        var output = Path.Combine(app.MediaWorkPath, "output");
        var task = await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(640, 360, fps: 10, seconds: 60), "video/mp4");
        await Poll.UntilAsync(() => Directory.Exists(output) && Directory.EnumerateFiles(output, "*.ts", SearchOption.AllDirectories).Any(), "the ladder's first segments are written");

        using var canceled = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{task.Id}").WithToken(_alice.Token(AuthorizationVerb.Media)));

        canceled.StatusCode.Should().Be(HttpStatusCode.OK);
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(app.DataRoot).Count == 0, "the one ffmpeg run of all renditions ends");
        await Poll.UntilAsync(() => !Directory.EnumerateFileSystemEntries(output).Any(), "the partial MP4 and ladder are removed");
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
        (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{task.Id}"))!.Streaming.Should().BeNull();
    }

    [Fact]
    public async Task Hls_RestartMidLadder_TheJobRunsAgain_LeftoversRemoved_CompletesWithItsLadder()
    {
        var dataRoot = Directory.CreateTempSubdirectory("blossom-hls-restart-").FullName;
        try
        {
            var output = Path.Combine(dataRoot, "media", "output");
            string id;
            var slow = Ladder("360", "240", "180");
            slow["Blossom:Media:Video:Preset"] = "veryslow";
            using (var first = new BlossomApplication(slow, dataRoot))
            {
                var client = first.Start();
                id = (await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(640, 360, fps: 10, seconds: 20), "video/mp4")).Id;
                await Poll.UntilAsync(() => Directory.Exists(output) && Directory.EnumerateFiles(output, "*.ts", SearchOption.AllDirectories).Any(), "the ladder is half written");
            }
            // What a killed server would leave: a half-written ladder that no stop cleaned up.
            Directory.CreateDirectory(Path.Combine(output, "left-by-a-crash"));
            await File.WriteAllBytesAsync(Path.Combine(output, "left-by-a-crash", "360_00000.ts"), [0x47]);

            using var second = new BlossomApplication(Ladder("360", "240", "180"), dataRoot);
            var again = second.Start();
            var done = await again.WaitForEndAsync(id);

            done.Status.Should().Be("complete", done.Message);
            Directory.Exists(Path.Combine(output, "left-by-a-crash")).Should().BeFalse("the start removes what an earlier process left");
            var (master, _) = await GetTextAsync(again, new Uri(done.Streaming!.Url));
            ResolutionsIn(master).Should().Equal("640x360", "426x240", "320x180");
            (await FfmpegAsync("-v", "error", "-xerror", "-i", done.Streaming.Url, "-map", "0", "-f", "null", "-")).Should().Be(0);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [GeneratedRegex("^[0-9a-f]{64}\\.(m3u8|ts)$")]
    private static partial Regex HashPath();

    private static List<string> References(string playlist) =>
        [.. playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    private static List<string> ResolutionsIn(string master) =>
        [.. Regex.Matches(master, "RESOLUTION=(\\d+x\\d+)").Select(m => m.Groups[1].Value)];

    private static async Task<(string Text, string? Type)> GetTextAsync(HttpClient client, Uri url)
    {
        using var response = await client.GetAsync(url);
        response.StatusCode.Should().Be(HttpStatusCode.OK, url.ToString());
        return (await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>ffprobe decodes every frame of the first video stream at <paramref name="url"/>; how many there were.</summary>
    private static async Task<int> ProbeFramesAsync(Uri url)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", url.ToString()])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, await errors);
        (await errors).Should().BeEmpty();
        // The stream is listed twice: in its HLS program and on its own.
        return int.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim().TrimEnd(','), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<int> FfmpegAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        (await errors).Should().BeEmpty();
        return process.ExitCode;
    }
}
