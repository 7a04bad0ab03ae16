using System.Net;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Media;

/// <summary>Originals as files under <c>Storage:Path/originals</c>, which these tests count and remove by hand.</summary>
public sealed partial class MediaTaskTests
{
    [Fact]
    public async Task PerPubkeyLimit_BodiesHeldPastTheEarlyCheck_OnlyTheLimitIsAccepted_The429sLeaveNoOriginal()
    {
        const int Requests = 8;
        using var app = new BlossomApplication(new Dictionary<string, string?>(SlowVideo) { ["Blossom:Media:MaxRunningTasksPerPubkey"] = "2" });
        var client = app.Start();
        // Bob's slow video keeps the only worker busy, so each of Alice's accepted images stays running.
        var blocker = await client.SubmitAsync(_bob, await LongVideoAsync(), "video/mp4");
        await client.WaitUntilAsync(blocker.Id, t => t.Message == "Transcoding video");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = Enumerable.Range(0, Requests).Select(_ => MediaSamples.PngWithAlpha(64, 64)).Select(image =>
        {
            var request = MediaRequests.Put(image, "image/png", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(image)]));
            request.Content = new HeldContent(image, "image/png", release.Task);
            return client.SendAsync(request);
        }).ToList();
        var temporary = Path.Combine(app.StoragePath, "originals", ".tmp");

        // A request's body file exists once it passed every check made before the body.
        await Poll.UntilAsync(() => Directory.EnumerateFiles(temporary).Count() == Requests, "every request waits for its body past the early checks");
        release.SetResult();
        var responses = await Task.WhenAll(sends);

        try
        {
            responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).Should().Be(2, "Alice may have two unfinished tasks");
            foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Accepted))
            {
                refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
                refused.Headers.RetryAfter!.Delta.Should().BePositive();
                refused.Reason().Should().Contain("too many unfinished media tasks");
            }
            Directory.EnumerateFiles(temporary).Should().BeEmpty("refused originals are discarded");
            Directory.EnumerateFiles(Path.Combine(app.StoragePath, "originals"), "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/.tmp/", StringComparison.Ordinal)).Should().HaveCount(3, "only Bob's video and Alice's two accepted images are kept");
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }
    }

    [Fact]
    public async Task Restart_OriginalGone_TheTaskEndsCanceledSayingWhy()
    {
        var dataRoot = Directory.CreateTempSubdirectory("blossom-restart-").FullName;
        try
        {
            string id;
            using (var first = new BlossomApplication(SlowVideo, dataRoot))
            {
                var client = first.Start();
                id = (await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(1280, 720, fps: 5, seconds: 20), "video/mp4")).Id;
                // Progress comes from ffmpeg once it has opened the original: deleted any earlier, the
                // original is missed by this run's probe ("Not a decodable video"), not by the restart.
                await client.WaitUntilAsync(id, t => t.Message == "Transcoding video" && t.Progress > 0);
                Directory.Delete(Path.Combine(first.StoragePath, "originals"), recursive: true);
            }

            using var second = new BlossomApplication(null, dataRoot);
            var done = await second.Start().WaitForEndAsync(id);

            done.Status.Should().Be("canceled");
            done.Message.Should().Be("The server restarted and no longer has the original; upload it again");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }
}
