using System.Net.Http.Json;
using System.Text.Json;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Media;

/// <summary>PUT /media with video and audio, through ffmpeg, checked with ffprobe.</summary>
public sealed class MediaVideoTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task Clip1080p60_BecomesH264AacMp4_ScaledAndAt30Fps_WithFaststart()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Media:Video:MaxHeight"] = "720",
            ["Blossom:Media:Video:Preset"] = "ultrafast",
        });
        var client = app.Start();
        var original = await MediaSamples.VideoAsync(1920, 1080, fps: 60, seconds: 2);

        var task = await client.SubmitAsync(_alice, original, "video/mp4");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("complete", done.Message);
        done.Blob!.Type.Should().Be("video/mp4");
        done.Blob.Url.Should().EndWith(".mp4");
        var probe = await client.ProbeAsync(done.Blob);
        var streams = probe.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_type").GetString() == "video");
        video.GetProperty("codec_name").GetString().Should().Be("h264");
        (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()).Should().Be((1280, 720));
        video.GetProperty("avg_frame_rate").GetString().Should().Be("30/1");
        streams.Single(s => s.GetProperty("codec_type").GetString() == "audio").GetProperty("codec_name").GetString().Should().Be("aac");
        probe.GetProperty("format").GetProperty("format_name").GetString().Should().Contain("mp4");
        var bytes = await client.GetByteArrayAsync(new Uri(done.Blob.Url).PathAndQuery);
        IndexOf(bytes, "moov"u8).Should().BeLessThan(IndexOf(bytes, "mdat"u8), "+faststart puts the index first");
    }

    [Theory]
    [InlineData(540, 960, 0, 540, 960)] // a portrait clip at the limit stays as it is (not 304x540)
    [InlineData(720, 1280, 0, 540, 960)] // a larger one: its short side, the width, comes down to the limit
    [InlineData(1280, 720, 90, 540, 960)] // a phone's recording: landscape frames shown upright
    [InlineData(720, 720, 0, 540, 540)] // square
    [InlineData(1280, 720, 0, 960, 540)] // landscape: the height, as before
    [InlineData(1000, 562, 0, 960, 540)] // an odd shape: the long side in proportion, rounded to an even number
    [InlineData(1282, 720, 0, 962, 540)] // 961.5 rounds to the nearest even number, up, as ffmpeg's -2 does
    [InlineData(720, 1282, 0, 540, 962)]
    public async Task Clip_LimitAppliesToTheShortSide_ShapeKept(int width, int height, int rotation, int expectedWidth, int expectedHeight)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Media:Video:MaxHeight"] = "540",
            ["Blossom:Media:Video:Preset"] = "ultrafast",
        });
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(width, height, fps: 10, seconds: 1, rotation: rotation), "video/mp4");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("complete", done.Message);
        var video = (await client.ProbeAsync(done.Blob!)).GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("codec_type").GetString() == "video");
        (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()).Should().Be((expectedWidth, expectedHeight));
        // The descriptor's size is the optimizer's own figure, not read back from the result: it must be the result's.
        done.Blob!.Nip94!.Should().ContainEquivalentOf(new[] { "dim", $"{expectedWidth}x{expectedHeight}" });
    }

    [Fact]
    public async Task SmallClip_IsNeverUpscaled()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Video:Preset"] = "ultrafast" });
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(320, 240, fps: 25, seconds: 1), "video/mp4");
        var done = await client.WaitForEndAsync(task.Id);

        var video = (await client.ProbeAsync(done.Blob!)).GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("codec_type").GetString() == "video");
        (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()).Should().Be((320, 240));
        video.GetProperty("avg_frame_rate").GetString().Should().Be("25/1");
    }

    [Fact]
    public async Task Wav_BecomesAacM4a()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, await MediaSamples.AudioWavAsync(seconds: 2), "audio/wav");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("complete", done.Message);
        done.Blob!.Type.Should().Be("audio/mp4");
        done.Blob.Url.Should().EndWith(".m4a");
        var probe = await client.ProbeAsync(done.Blob);
        probe.GetProperty("streams").EnumerateArray().Should().ContainSingle()
            .Which.GetProperty("codec_name").GetString().Should().Be("aac");
    }

    [Fact]
    public async Task VideoLongerThanLimit_EndsCanceledSayingWhy()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Video:MaxDurationSeconds"] = "1" });
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(320, 240, fps: 25, seconds: 3), "video/mp4");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().StartWith("Video longer than the limit of 1 seconds");
    }

    [Fact]
    public async Task VideoWhoseHeaderUnderstatesItsLength_EndsCanceledAtTheLimit()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Video:MaxDurationSeconds"] = "3" });
        var client = app.Start();
        var lying = await MediaSamples.VideoClaimingOneSecondAsync(seconds: 60);
        var claimed = (await MediaRequests.ProbeAsync(lying)).GetProperty("format").GetProperty("duration").GetString();
        double.Parse(claimed!, System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(3, "the header passes the duration check");

        var task = await client.SubmitAsync(_alice, lying, "video/webm");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("canceled", "the content runs 60 s, past the 3 s limit");
        done.Message.Should().Be("Video runs longer than the limit of 3 seconds");
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
    }

    [Fact]
    public async Task JunkClaimingVideo_EndsCanceledSayingWhy()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, MediaSamples.Junk(), "video/mp4");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().StartWith("Not a decodable video");
    }

    [Fact]
    public async Task PlaylistNamingALocalFile_IsNotFollowed()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var secret = Path.Combine(app.DataRoot, "secret.mp4");
        await File.WriteAllBytesAsync(secret, await MediaSamples.VideoAsync(320, 240, fps: 25, seconds: 1));
        var playlist = System.Text.Encoding.UTF8.GetBytes($"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{secret}\n#EXT-X-ENDLIST\n");

        var task = await client.SubmitAsync(_alice, playlist, "video/mp4");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("canceled", "an HLS playlist would make ffmpeg read the file it names");
        done.Message.Should().StartWith("Not a decodable video");
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        var at = haystack.AsSpan().IndexOf(needle);
        at.Should().BeGreaterThanOrEqualTo(0);
        return at;
    }
}
