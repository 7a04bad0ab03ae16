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
}
