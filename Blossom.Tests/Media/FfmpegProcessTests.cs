using Blossom.Core.Media;

namespace Blossom.Tests.Media;

/// <summary>The ffmpeg runner on its own: what counts as success.</summary>
public sealed class FfmpegProcessTests
{
    [Fact]
    public async Task ExitZeroWithoutMedia_IsAFailure()
    {
        var input = Path.Combine(Path.GetTempPath(), $"blossom-input-{Guid.NewGuid():N}.mp4");
        var output = Path.Combine(Path.GetTempPath(), $"blossom-output-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(input, await MediaSamples.VideoAsync(160, 120, fps: 10, seconds: 1));
        try
        {
            // Seeking past the end: ffmpeg encodes nothing, writes an empty MP4 and exits 0.
            var run = new FfmpegRun(["-hide_banner", "-nostdin", "-y", "-i", input, "-ss", "100", "-c:v", "libx264", "-preset", "ultrafast", output],
                "video", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

            var failure = (await FluentActions.Awaiting(() => FfmpegProcess.RunAsync(run, new Progress<int>(), CancellationToken.None))
                .Should().ThrowAsync<MediaRejectedException>()).Which;
            failure.Message.Should().Be("This video could not be transcoded");
            failure.ToolFailed.Should().BeTrue();
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }
}
