using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Core.Media;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Media;

/// <summary>The task life cycle of PUT /media: sharing, dedupe, cancel, backpressure, restart, sync answers, retention.</summary>
public sealed partial class MediaTaskTests
{
    // A slow job: 300 frames of 1080p through libx264's slowest preset keeps a worker busy for minutes.
    private static readonly Dictionary<string, string?> SlowVideo = new() { ["Blossom:Media:Video:Preset"] = "veryslow", ["Blossom:Media:Workers"] = "1" };

    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();

    private static Task<byte[]> LongVideoAsync() => MediaSamples.VideoAsync(1920, 1080, fps: 5, seconds: 60);

    [Fact]
    public async Task SameOriginalAgain_CompleteAtOnceWithTheSameBlob_OwnedByBoth()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var original = MediaSamples.PngWithAlpha();
        var first = await client.WaitForEndAsync((await client.SubmitAsync(_alice, original, "image/png")).Id);

        var second = await client.SubmitAsync(_bob, original, "image/png");

        second.Status.Should().Be("complete", "the stored result is reused without a second optimization");
        second.Id.Should().NotBe(first.Id);
        second.Blob!.Sha256.Should().Be(first.Blob!.Sha256);
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}")).Should().ContainSingle().Which.Sha256.Should().Be(first.Blob.Sha256);
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle();
    }

    [Fact]
    public async Task Cancel_ByOwner_EndsFfmpegAndRemovesPartialOutput()
    {
        using var app = new BlossomApplication(SlowVideo);
        var client = app.Start();
        var task = await client.SubmitAsync(_alice, await LongVideoAsync(), "video/mp4");
        await client.WaitUntilAsync(task.Id, t => t.Message == "Transcoding video");
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(app.DataRoot).Count == 1, "ffmpeg runs for the task");

        using (var anonymous = await client.DeleteAsync($"/media/{task.Id}"))
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var stranger = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{task.Id}").WithToken(_bob.Token(AuthorizationVerb.Media))))
            stranger.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var owner = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{task.Id}").WithToken(_alice.Token(AuthorizationVerb.Media)));

        owner.StatusCode.Should().Be(HttpStatusCode.OK);
        var canceled = (await owner.Content.ReadFromJsonAsync<MediaTaskResponse>())!;
        canceled.Status.Should().Be("canceled");
        canceled.Message.Should().Be("Canceled by its owner");
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(app.DataRoot).Count == 0, "the ffmpeg process ends");
        await Poll.UntilAsync(() => !Directory.EnumerateFiles(Path.Combine(app.MediaWorkPath, "output")).Any(), "the partial output is removed");
        (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{task.Id}"))!.Status.Should().Be("canceled");
    }

    [Fact]
    public async Task TranscodePastTheTimeLimit_EndsCanceledSayingWhy_AndFfmpegEnds()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>(SlowVideo) { ["Blossom:Media:Video:MaxTranscodeSeconds"] = "2" });
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(1280, 720, fps: 5, seconds: 20), "video/mp4");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().Be("This video took longer than the limit of 2 seconds to transcode");
        MediaRequests.FfmpegProcessesUnder(app.DataRoot).Should().BeEmpty("the run is ended, not abandoned");
        Directory.EnumerateFiles(Path.Combine(app.MediaWorkPath, "output")).Should().BeEmpty();
    }

    [Fact]
    public async Task OptimizerFailsUnforeseen_TaskEndsCanceledSayingWhy_TheWorkerGoesOn()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Workers"] = "1" })
        {
            ReplaceServices = services => services.AddSingleton<IMediaOptimizer>(sp => new FailingOnceOptimizer(new MediaOptimizer(sp.GetRequiredService<MediaRecipe>()))),
        };
        var client = app.Start();

        var failed = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(), "image/png")).Id);
        var next = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(), "image/png")).Id);

        failed.Status.Should().Be("canceled");
        failed.Message.Should().Be("The server failed to optimize this media; try again later");
        next.Status.Should().Be("complete", "the one worker survived the failure");
    }

    [Fact]
    public async Task SharedJob_OneRequesterCancels_TheOtherStillGetsTheResult()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Workers"] = "1" });
        var client = app.Start();
        var original = MediaSamples.PngWithAlpha();
        // Both requests arrive while the job is queued behind a slow one, so they share it.
        var blocker = await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(640, 360, fps: 25, seconds: 20, preset: "ultrafast"), "video/mp4");
        var alices = await client.SubmitAsync(_alice, original, "image/png");
        var bobs = await client.SubmitAsync(_bob, original, "image/png");

        using (var cancel = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{alices.Id}").WithToken(_alice.Token(AuthorizationVerb.Media))))
            cancel.StatusCode.Should().Be(HttpStatusCode.OK);
        var bobsEnd = await client.WaitForEndAsync(bobs.Id);

        bobsEnd.Status.Should().Be("complete", bobsEnd.Message);
        (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{alices.Id}"))!.Status.Should().Be("canceled");
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}")).Should().ContainSingle().Which.Sha256.Should().Be(bobsEnd.Blob!.Sha256);
        (await client.WaitForEndAsync(blocker.Id)).Status.Should().Be("complete");
    }

    [Fact]
    public async Task TwoRequestsForOneOriginalAtOnce_ShareOneResult()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var original = MediaSamples.PhoneJpeg();

        var tasks = await Task.WhenAll(client.SubmitAsync(_alice, original, "image/jpeg"), client.SubmitAsync(_bob, original, "image/jpeg"));
        var ends = await Task.WhenAll(tasks.Select(t => client.WaitForEndAsync(t.Id)));

        ends.Should().OnlyContain(t => t.Status == "complete");
        ends.Select(t => t.Blob!.Sha256).Distinct().Should().ContainSingle();
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle();
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}")).Should().ContainSingle();
    }

    [Fact]
    public async Task Backpressure_TooManyTasksIs429_FullQueueIs503_BothWithRetryAfter()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>(SlowVideo)
        {
            ["Blossom:Media:QueueCapacity"] = "1",
            ["Blossom:Media:MaxRunningTasksPerPubkey"] = "1",
        });
        var client = app.Start();
        var running = await client.SubmitAsync(_alice, await LongVideoAsync(), "video/mp4");
        await client.WaitUntilAsync(running.Id, t => t.Message == "Transcoding video");

        var image = MediaSamples.PngWithAlpha();
        using var tooMany = await client.SendAsync(MediaRequests.Put(image, "image/png", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(image)])));
        tooMany.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        tooMany.Headers.RetryAfter!.Delta.Should().BePositive();
        tooMany.Reason().Should().Contain("too many unfinished media tasks");

        var queued = await client.SubmitAsync(_bob, image, "image/png");
        queued.Status.Should().Be("running");
        var carol = new NostrSigner();
        var another = MediaSamples.PngWithAlpha();
        using var full = await client.SendAsync(MediaRequests.Put(another, "image/png", carol.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(another)])));
        full.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        full.Headers.RetryAfter!.Delta.Should().BePositive();
        full.Reason().Should().Contain("queue is full");

        using (var cancel = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{running.Id}").WithToken(_alice.Token(AuthorizationVerb.Media))))
            cancel.StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.WaitForEndAsync(queued.Id)).Status.Should().Be("complete", "the queue drains once the worker is free");
    }

    [Fact]
    public async Task Restart_MidTask_TheTaskIsResumedAndCompletes()
    {
        var dataRoot = Directory.CreateTempSubdirectory("blossom-restart-").FullName;
        try
        {
            string id;
            using (var first = new BlossomApplication(SlowVideo, dataRoot))
            {
                var client = first.Start();
                id = (await client.SubmitAsync(_alice, await MediaSamples.VideoAsync(1280, 720, fps: 5, seconds: 20), "video/mp4")).Id;
                await client.WaitUntilAsync(id, t => t.Message == "Transcoding video");
            }
            MediaRequests.FfmpegProcessesUnder(dataRoot).Should().BeEmpty("stopping the server ends its ffmpeg");

            using var second = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Video:Preset"] = "ultrafast" }, dataRoot);
            var again = second.Start();
            var done = await again.WaitForEndAsync(id);

            done.Status.Should().Be("complete", done.Message);
            (await again.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle().Which.Type.Should().Be("video/mp4");
            Directory.EnumerateFiles(Path.Combine(second.StoragePath, "originals"), "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/.tmp/", StringComparison.Ordinal)).Should().BeEmpty("the original goes once its job ends");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task SyncMode_AnswersTheDescriptor_201ThenOn200ForTheSameOriginal_422ForJunk()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Mode"] = "Sync" });
        var client = app.Start();
        var original = MediaSamples.PngWithAlpha();
        var token = _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(original)]);

        using var created = await client.SendAsync(MediaRequests.Put(original, "image/png", token));
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var blob = (await created.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Type.Should().Be("image/webp");
        created.Headers.Location!.ToString().Should().Be(blob.Url);

        using var again = await client.SendAsync(MediaRequests.Put(original, "image/png", token));
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await again.Content.ReadFromJsonAsync<BlobDescriptor>()).Should().BeEquivalentTo(blob);

        var junk = MediaSamples.Junk();
        using var refused = await client.SendAsync(MediaRequests.Put(junk, "image/jpeg", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(junk)])));
        refused.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        refused.Reason().Should().Be("Not a decodable image");

        var other = MediaSamples.PngWithAlpha();
        using var forced = await client.SendAsync(MediaRequests.Put(other, "image/png", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(other)]), prefer: "respond-async"));
        forced.StatusCode.Should().Be(HttpStatusCode.Accepted, "Prefer: respond-async forces a task");
    }

    [Fact]
    public async Task DefaultMode_DoneWithinInlineWait_202CompleteTaskThatIsAlsoTheDescriptor()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var original = MediaSamples.PngWithAlpha();

        using var response = await client.SendAsync(MediaRequests.Put(original, "image/png", _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(original)])));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, response.Reason());
        var json = await response.Content.ReadAsStringAsync();
        using (var document = System.Text.Json.JsonDocument.Parse(json))
        {
            var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            names.Should().OnlyHaveUniqueItems().And.Contain(["id", "status", "progress", "message", "blob", "url", "sha256", "size", "type", "uploaded", "nip94"]);
        }
        var task = System.Text.Json.JsonSerializer.Deserialize<MediaTaskResponse>(json, System.Text.Json.JsonSerializerOptions.Web)!;
        task.Status.Should().Be("complete");
        task.Progress.Should().Be(100);
        response.Headers.Location!.ToString().Should().Be("/media/" + task.Id);
        var descriptor = System.Text.Json.JsonSerializer.Deserialize<BlobDescriptor>(json, System.Text.Json.JsonSerializerOptions.Web)!;
        descriptor.Should().Be(task.Blob, "a client of the synchronous BUD-05 reads the same descriptor the task carries");
        descriptor.Type.Should().Be("image/webp");
        BlossomRequests.Sha256(await client.GetByteArrayAsync(new Uri(descriptor.Url).PathAndQuery)).Should().Be(descriptor.Sha256);
        (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{task.Id}")).Should().BeEquivalentTo(task);
    }

    [Fact]
    public async Task DefaultMode_RefusedWithinInlineWait_422WithReasonAndNoBlob()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var junk = MediaSamples.Junk();

        using var response = await client.SendAsync(MediaRequests.Put(junk, "image/jpeg", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(junk)])));

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        response.Reason().Should().Be("Not a decodable image");
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("1", null)]
    [InlineData("5", "respond-async")]
    [InlineData("0", null)]
    public async Task DefaultMode_NotDoneWithinInlineWaitOrAskedToRespondAsync_202RunningTask(string inlineWaitSeconds, string? prefer)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>(SlowVideo) { ["Blossom:Media:InlineWaitSeconds"] = inlineWaitSeconds });
        var client = app.Start();
        var original = await LongVideoAsync();

        using var response = await client.SendAsync(MediaRequests.Put(original, "video/mp4", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(original)]), prefer));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, response.Reason());
        var task = (await response.Content.ReadFromJsonAsync<MediaTaskResponse>())!;
        task.Status.Should().Be("running");
        task.Blob.Should().BeNull();
        using var cancel = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{task.Id}").WithToken(_alice.Token(AuthorizationVerb.Media)));
    }

    [Fact]
    public async Task PreferWait_InAsyncMode_AnswersTheDescriptorWhenDoneInTime()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var original = MediaSamples.PngWithAlpha();

        using var response = await client.SendAsync(MediaRequests.Put(original, "image/png", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(original)]), prefer: "wait=60"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.GetValues("Preference-Applied").Should().Equal("wait=60");
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Type.Should().Be("image/webp");
    }

    [Fact]
    public async Task PreferWait_NotDoneInTime_AnswersTheRunningTask()
    {
        using var app = new BlossomApplication(SlowVideo);
        var client = app.Start();
        var original = await LongVideoAsync();

        using var response = await client.SendAsync(MediaRequests.Put(original, "video/mp4", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(original)]), prefer: "wait=1"));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var task = (await response.Content.ReadFromJsonAsync<MediaTaskResponse>())!;
        task.Status.Should().Be("running");
        using var cancel = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{task.Id}").WithToken(_alice.Token(AuthorizationVerb.Media)));
    }

    [Theory]
    [InlineData("wait=5000000", HttpStatusCode.Created, "wait=1800")]
    [InlineData("wait=99999999999999", HttpStatusCode.Created, "wait=1800")]
    [InlineData("wait=-5", HttpStatusCode.Accepted, null)]
    [InlineData("wait=soon", HttpStatusCode.Accepted, null)]
    public async Task PreferWait_HugeOrAbsurd_CappedOrIgnored_Never5xx(string prefer, HttpStatusCode expected, string? applied)
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var original = MediaSamples.PngWithAlpha(64, 64);

        using var response = await client.SendAsync(MediaRequests.Put(original, "image/png", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(original)]), prefer));

        response.StatusCode.Should().Be(expected, response.Reason());
        (response.Headers.TryGetValues("Preference-Applied", out var values) ? values.Single() : null).Should().Be(applied, "a wait is held at most 30 minutes; one that is not a whole number of seconds is ignored");
    }

    [Theory]
    [InlineData("5000000", HttpStatusCode.OK)]
    [InlineData("99999999999999", HttpStatusCode.OK)]
    [InlineData("-1", HttpStatusCode.BadRequest)]
    [InlineData("soon", HttpStatusCode.BadRequest)]
    public async Task LongPoll_HugeWaitIsCapped_AbsurdIs400WithReason(string wait, HttpStatusCode expected)
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(64, 64), "image/png")).Id);

        using var response = await client.GetAsync($"/media/{done.Id}?wait={wait}");

        response.StatusCode.Should().Be(expected);
        if (expected == HttpStatusCode.BadRequest)
            response.Reason().Should().Be("wait must be a whole number of seconds");
    }

    // A client that asks to wait wants the result: the progress ticks of a running task (every
    // second or so) do not end the wait, the end of the task does.
    [Fact]
    public async Task LongPoll_ReturnsWhenTheStatusChanges_NotOnProgress()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var task = await client.SubmitAsync(_alice, MediaSamples.PhoneJpeg(), "image/jpeg");

        var ended = (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{task.Id}?wait=60"))!;

        ended.Status.Should().Be("complete", ended.Message);
        ended.Progress.Should().Be(100);
        ended.Blob.Should().NotBeNull();
    }

    [Fact]
    public async Task LongPoll_TaskStillRunningWhenTheWaitEnds_AnswersItsProgress()
    {
        using var app = new BlossomApplication(SlowVideo);
        var client = app.Start();
        var task = await client.SubmitAsync(_alice, await LongVideoAsync(), "video/mp4");

        var running = (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{task.Id}?wait=1"))!;

        running.Status.Should().Be("running");
        running.Blob.Should().BeNull();
        using var cancel = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/media/{task.Id}").WithToken(_alice.Token(AuthorizationVerb.Media)));
    }

    [Fact]
    public async Task EndedTasks_AreForgottenAfterRetention_TheirBlobsStay()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:TaskRetention"] = "00:00:01" });
        var client = app.Start();
        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(), "image/png")).Id);

        await Poll.UntilAsync(async () => (await client.GetAsync($"/media/{done.Id}")).StatusCode == HttpStatusCode.NotFound, "the ended task is forgotten");

        (await client.GetAsync(new Uri(done.Blob!.Url).PathAndQuery)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task UnknownTask_404WithReason()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        using var response = await client.GetAsync($"/media/{Guid.NewGuid()}");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("image/jpeg", 1000, HttpStatusCode.OK)]
    [InlineData("video/mp4", 1000, HttpStatusCode.OK)]
    [InlineData("text/plain", 1000, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("image/svg+xml", 1000, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("image/jpeg", 2_000_000, HttpStatusCode.RequestEntityTooLarge)]
    public async Task HeadMedia_PreflightByTypeAndSize(string type, long length, HttpStatusCode expected)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:MaxSizeBytes"] = "1000000" });
        var client = app.Start();
        var hash = new string('a', 64);
        using var request = new HttpRequestMessage(HttpMethod.Head, "/media").WithToken(_alice.Token(AuthorizationVerb.Media, [hash]));
        request.Headers.Add("X-SHA-256", hash);
        request.Headers.Add("X-Content-Type", type);
        request.Headers.Add("X-Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(expected);
        if (expected != HttpStatusCode.OK)
            response.Reason().Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData(AuthorizationVerb.List, HttpStatusCode.Unauthorized)]
    [InlineData(AuthorizationVerb.Delete, HttpStatusCode.Unauthorized)]
    [InlineData(AuthorizationVerb.Upload, HttpStatusCode.Accepted)]
    [InlineData(AuthorizationVerb.Media, HttpStatusCode.Accepted)]
    public async Task PutMedia_AcceptsMediaOrUploadTokensOnly(string verb, HttpStatusCode expected)
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var original = MediaSamples.PngWithAlpha(64, 64);

        using var response = await client.SendAsync(MediaRequests.Put(original, "image/png", _alice.Token(verb, [BlossomRequests.Sha256(original)])));

        response.StatusCode.Should().Be(expected, response.Reason());
    }

    [Fact]
    public async Task PutMedia_BodyNotMatchingXSha256_409AndNothingQueued()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var claimed = MediaSamples.PngWithAlpha(64, 64);
        using var request = MediaRequests.Put(claimed, "image/png", _alice.Token(AuthorizationVerb.Media, [BlossomRequests.Sha256(claimed)]));
        request.Content = new ByteArrayContent(MediaSamples.PngWithAlpha(64, 64));
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        Directory.EnumerateFiles(Path.Combine(app.StoragePath, "originals"), "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    /// <summary>Stands in for a tool that throws what the pipeline does not expect: libvips' own error type.</summary>
    private sealed class FailingOnceOptimizer(IMediaOptimizer tool) : IMediaOptimizer
    {
        private int _calls;

        public Task<OptimizedMedia> OptimizeAsync(string inputPath, MediaKind kind, string outputFolder, IProgress<int> progress, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new NetVips.VipsException("unable to call VipsForeignLoadPngFile: out of order read")
                : tool.OptimizeAsync(inputPath, kind, outputFolder, progress, cancellationToken);
    }

    /// <summary>A body that is announced at once but sent only once released, as a slow client sends it.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _data;
        private readonly Task _release;

        public HeldContent(byte[] data, string contentType, Task release)
        {
            (_data, _release) = (data, release);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            // The headers leave now, so the server runs its checks before the body arrives.
            await stream.FlushAsync();
            await _release;
            await stream.WriteAsync(_data);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _data.Length;
            return true;
        }
    }
}
