using System.Text.RegularExpressions;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Operations;

/// <summary>
/// OpenTelemetry's meter listener takes every meter of a name in the process, whichever host made
/// it, so blobs another test's server stores at the same time would be counted here: these tests
/// run alone.
/// </summary>
[CollectionDefinition(nameof(ProcessWideMetrics), DisableParallelization = true)]
public sealed class ProcessWideMetrics;

/// <summary>/metrics: what the server counts.</summary>
[Collection(nameof(ProcessWideMetrics))]
public sealed class MetricsTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task Metrics_PrometheusTextWithRequestsBlobsAndMediaTasks()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        await client.UploadAsync(_alice, BlossomRequests.RandomBlob(1000));
        var task = await Media.MediaRequests.SubmitAsync(client, _alice, Media.MediaSamples.PngWithAlpha(64, 64), "image/png");
        await Media.MediaRequests.WaitForEndAsync(client, task.Id);

        // The exporter caches a scrape briefly; poll until the media job shows.
        var text = await Poll.ForAsync(async () =>
        {
            var scrape = await client.GetStringAsync("/metrics");
            return scrape.Contains("blossom_media_tasks_ended", StringComparison.Ordinal) ? scrape : null;
        }, "the ended media task shows in /metrics", TimeSpan.FromSeconds(30));

        text.Should().Contain("http_server_request_duration_seconds_bucket");
        text.Should().MatchRegex(@"blossom_blobs_created(_blob)?_total\{[^}]*\} 2");
        text.Should().MatchRegex(@"blossom_media_tasks_ended(_task)?_total\{[^}]*kind=""image""[^}]*state=""complete""[^}]*\} 1");
        text.Should().Contain("blossom_media_queue_length");
    }

    [Fact]
    public async Task Metrics_GaugesOfStoredBlobsFreeDiskAndPartialUploads()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        await client.UploadAsync(_alice, BlossomRequests.RandomBlob(1000));
        await client.UploadAsync(_alice, BlossomRequests.RandomBlob(2345));
        var partial = BlossomRequests.RandomBlob(10_000);
        var hash = BlossomRequests.Sha256(partial);
        using var chunk = new HttpRequestMessage(HttpMethod.Patch, $"/{hash}") { Content = new ByteArrayContent(partial, 0, 4000) };
        chunk.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        chunk.Headers.Add("Upload-Type", "application/octet-stream");
        chunk.Headers.Add("Upload-Length", "10000");
        chunk.Headers.Add("Upload-Offset", "0");
        using var held = await client.SendAsync(chunk.WithToken(_alice.Token(AuthorizationVerb.Upload, [hash])));
        held.IsSuccessStatusCode.Should().BeTrue(held.Reason());

        // The totals are counted at most every 15 seconds; poll until a count sees both uploads.
        var text = await Poll.ForAsync(async () =>
        {
            var scrape = await client.GetStringAsync("/metrics");
            return Regex.IsMatch(scrape, @"\nblossom_blobs_stored(_blob)?(\{[^}]*\})? 2( \d+)?\n") ? scrape : null;
        }, "the two blobs show in /metrics", TimeSpan.FromSeconds(60));

        text.Should().MatchRegex(@"\nblossom_blobs_stored_bytes(_bytes)?(\{[^}]*\})? 3345( \d+)?\n");
        text.Should().MatchRegex(@"\nblossom_partial_uploads_held(_upload)?(\{[^}]*\})? 1( \d+)?\n");
        text.Should().MatchRegex(@"\nblossom_partial_uploads_held_bytes(_bytes)?(\{[^}]*\})? 4000( \d+)?\n");
        var free = Regex.Match(text, @"\nblossom_storage_free_bytes(_bytes)?(\{[^}]*\})? (\d+)( \d+)?\n");
        // A bucket has no free disk to tell; the file system's folder does.
        free.Success.Should().Be(BlossomApplication.Backend is null, "the free disk of a storage folder is a gauge, and a bucket has none");
        if (free.Success)
            long.Parse(free.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(0);
    }
}
