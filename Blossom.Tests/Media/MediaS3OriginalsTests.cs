using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Media;

/// <summary>With <c>Storage:Kind=S3</c> the originals wait for their job in the bucket, where every node finds them.</summary>
[Collection(S3Group.Name)]
public sealed class MediaS3OriginalsTests(S3Server s3)
{
    [Fact]
    public async Task Video_OriginalInTheBucketWhileTheJobRuns_GoneWhenItEnds()
    {
        var bucket = await s3.CreateBucketAsync();
        var settings = s3.Settings(bucket, prefix: "blobs/");
        settings["Blossom:Media:Workers"] = "1";
        // Slow enough to look at the bucket while ffmpeg runs.
        settings["Blossom:Media:Video:Preset"] = "veryslow";
        using var app = new BlossomApplication(settings);
        var client = app.Start();
        var video = await MediaSamples.VideoAsync(640, 360, fps: 25, seconds: 3);
        var original = "blobs/originals/" + BlossomRequests.Sha256(video);

        var submitted = await client.SubmitAsync(new NostrSigner(), video, "video/mp4");
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(app.DataRoot).Count > 0, "ffmpeg runs for the task", MediaRequests.Deadline);
        var whileRunning = await s3.KeysAsync(bucket);
        var task = await client.WaitForEndAsync(submitted.Id);

        whileRunning.Should().Contain(original);
        task.Status.Should().Be("complete", task.Message);
        var after = await s3.KeysAsync(bucket);
        after.Should().NotContain(original, "an original goes when its job ends");
        after.Should().Contain("blobs/" + task.Blob!.Sha256);
        Directory.EnumerateFiles(Path.Combine(app.StoragePath, "originals"), "*", SearchOption.AllDirectories).Should().BeEmpty("the local copy ffmpeg read is removed");
    }
}
