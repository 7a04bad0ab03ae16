using Blossom.Core.Media;
using Blossom.Core.Previews;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using VipsImage = NetVips.Image;

namespace Blossom.Tests.Media;

/// <summary>The poster frame of optimized video: a WebP preview of the MP4, there when the task completes.</summary>
public sealed class MediaPosterTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task OptimizedVideo_PosterIsThereWhenTheTaskCompletes_WebpInTheLargestBox()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Video:Preset"] = "ultrafast" });
        var client = app.Start();

        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(640, 360, fps: 10, seconds: 2), "video/mp4")).Id);

        done.Status.Should().Be("complete", done.Message);
        var previews = app.Services.GetRequiredService<PreviewService>();
        var poster = await previews.FindAsync(done.Blob!.Sha256, VideoPoster.SpecFor(previews.Sizes), CancellationToken.None);
        poster.Should().NotBeNull("the job makes the poster before its task completes");
        poster!.Type.Should().Be("image/webp");
        var bytes = await client.GetByteArrayAsync($"/{poster.Sha256}.webp");
        System.Text.Encoding.ASCII.GetString(bytes, 8, 4).Should().Be("WEBP");
        using var image = VipsImage.NewFromBuffer(bytes);
        (image.Width, image.Height).Should().Be((640, 360), "the largest box (1280x720) is not reached, and a poster is never upscaled");
    }

    [Fact]
    public async Task OptimizedVideo_StartingInBlack_PosterIsAPictureFromLaterOn()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Video:Preset"] = "ultrafast" });
        var client = app.Start();

        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, await MediaSamples.VideoWithBlackStartAsync(), "video/mp4")).Id);

        done.Status.Should().Be("complete", done.Message);
        var previews = app.Services.GetRequiredService<PreviewService>();
        var poster = await previews.FindAsync(done.Blob!.Sha256, VideoPoster.SpecFor(previews.Sizes), CancellationToken.None);
        poster.Should().NotBeNull();
        using var image = VipsImage.NewFromBuffer(await client.GetByteArrayAsync($"/{poster!.Sha256}.webp"));
        (image.Width, image.Height).Should().Be((320, 240));
        image.Avg().Should().BeGreaterThan(40, "the poster is a frame of the test pattern after the black half second, not the black start");
    }

    [Fact]
    public async Task OptimizedVideo_PreviewsOff_NoPoster()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Media:Video:Preset"] = "ultrafast",
            ["Blossom:Previews:Enabled"] = "false",
        });
        var client = app.Start();

        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(320, 240, fps: 10, seconds: 1), "video/mp4")).Id);

        done.Status.Should().Be("complete", done.Message);
        var previews = app.Services.GetRequiredService<PreviewService>();
        (await previews.FindAsync(done.Blob!.Sha256, VideoPoster.SpecFor(previews.Sizes), CancellationToken.None)).Should().BeNull();
    }
}
