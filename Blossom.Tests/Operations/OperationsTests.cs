using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Server.Http;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Operations;

/// <summary>Readiness, the OpenAPI document, and descriptor URLs behind a reverse proxy.</summary>
public sealed class OperationsTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task Readyz_WithDatabaseStorageAndFfmpeg_200()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        (await client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetStringAsync("/healthz")).Should().Be("Healthy");
    }

    [Fact]
    public async Task OpenApi_DescribesEveryEndpoint()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.Should().Contain(["/upload", "/media", "/media/{id}", "/mirror", "/report", "/list/{pubkey}", "/admin/blobs", "/admin/blocked/{pubkey}"]);
        paths.Should().Contain(p => p.StartsWith("/{blob", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_PrometheusTextWithRequestsBlobsAndMediaTasks()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        await client.UploadAsync(_alice, BlossomRequests.RandomBlob(1000));
        var task = await Media.MediaRequests.SubmitAsync(client, _alice, Media.MediaSamples.PngWithAlpha(64, 64), "image/png");
        await Media.MediaRequests.WaitForEndAsync(client, task.Id);

        // The exporter caches a scrape briefly; poll until the media job shows.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string text;
        do
        {
            text = await client.GetStringAsync("/metrics");
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), text);
        } while (!text.Contains("blossom_media_tasks_ended", StringComparison.Ordinal));

        text.Should().Contain("http_server_request_duration_seconds_bucket");
        text.Should().MatchRegex(@"blossom_blobs_created(_blob)?_total\{[^}]*\} 2");
        text.Should().MatchRegex(@"blossom_media_tasks_ended(_task)?_total\{[^}]*kind=""image""[^}]*state=""complete""[^}]*\} 1");
        text.Should().Contain("blossom_media_queue_length");
    }

    [Theory]
    [InlineData(true, null, "https://cdn.example.com")]
    [InlineData(false, null, "http://127.0.0.1")]
    [InlineData(true, "https://media.example.org", "https://media.example.org")]
    public async Task ForwardedHeaders_TrustedFromLoopbackProxy_ShapeDescriptorUrls(bool trust, string? publicUrl, string expectedBase)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Proxy:TrustForwardedHeaders"] = trust ? "true" : "false",
            ["Blossom:PublicUrl"] = publicUrl ?? "",
        });
        var client = app.Start();
        var data = BlossomRequests.RandomBlob();
        using var request = BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]));
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "cdn.example.com");

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Url.Should().StartWith(expectedBase);
    }

    [Fact]
    public void ForwardedHeaders_BadKnownProxy_StopsStartup()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Proxy:KnownProxies:0"] = "not-an-address" });

        var start = () => app.Start();

        start.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message.Should().Contain("KnownProxies");
    }
}
