using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Operations;

/// <summary>Readiness, the OpenAPI document, and descriptor URLs behind a reverse proxy.</summary>
public sealed class OperationsTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task Readyz_WithDatabaseStorageAndFfmpeg_200WithEachCheckInJson()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        using var ready = await client.GetAsync("/readyz");

        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        ready.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var report = await ready.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("status").GetString().Should().Be("Healthy");
        report.GetProperty("durationMs").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        var checks = report.GetProperty("checks").EnumerateArray().ToList();
        checks.Select(c => c.GetProperty("name").GetString()).Should().BeEquivalentTo(["database", "storage", "ffmpeg"]);
        checks.Should().AllSatisfy(c =>
        {
            c.GetProperty("status").GetString().Should().Be("Healthy");
            c.GetProperty("durationMs").GetDouble().Should().BeGreaterThanOrEqualTo(0);
            c.TryGetProperty("description", out _).Should().BeTrue();
        });
        (await client.GetStringAsync("/healthz")).Should().Be("Healthy");
    }

    [Fact]
    public async Task AccessLog_OneLinePerRequest_WithoutTheQueryString()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob(1234));

        using var response = await client.GetAsync($"/{blob.Sha256}?access_token=secret-token");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var line = await Poll.ForAsync(() => Task.FromResult(app.Logs.Entries.SingleOrDefault(e =>
            e.Category == AccessLog.Category && e.Value("Method") == "GET" && e.Value("Path") == $"/{blob.Sha256}")),
            "the request's access log line", TimeSpan.FromSeconds(10));
        line.Level.Should().Be(LogLevel.Information);
        line.Value("StatusCode").Should().Be("200");
        line.Value("ResponseLength").Should().Be("1234");
        line.State.Should().ContainKey("Duration");
        line.Message.Should().NotContain("secret-token").And.NotContain("access_token");
    }

    [Fact]
    public async Task HttpClientLines_OfTheHomeserverClient_NotLoggedAtInformation()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var clients = app.Services.GetRequiredService<IHttpClientFactory>();

        // The client Matrix token checks use, sending a request as a check does.
        using var checkClient = clients.CreateClient(HomeserverTokens.HttpClientName);
        using var response = await checkClient.GetAsync(new Uri(client.BaseAddress!, "/healthz"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        app.Logs.Entries.Should().NotContain(e => e.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) && e.Level < LogLevel.Warning);
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
    public async Task OpenApi_RefusalsAppearWithTheirBody()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var upload = document.GetProperty("paths").GetProperty("/upload").GetProperty("put").GetProperty("responses");
        upload.EnumerateObject().Select(r => r.Name).Should().Contain(["201", "200", "400", "401", "403", "413", "415"]);
        upload.GetProperty("413").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetRawText().Should().Contain("ErrorBody");
        document.GetProperty("components").GetProperty("schemas").GetProperty("ErrorBody").GetProperty("properties").TryGetProperty("message", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Metrics_FromOutsideAllowedNetworks_403WithReason()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Metrics:AllowedNetworks:0"] = "10.0.0.0/8" });
        var client = app.Start();

        using var response = await client.GetAsync("/metrics");

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Be("Metrics are not served to this address");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("http_server");
    }

    [Fact]
    public async Task Metrics_ByDefault_RefusedToAPublicAddress()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Proxy:TrustForwardedHeaders"] = "true" });
        var client = app.Start();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.OK, "loopback and private networks are allowed by default");
    }

    [Fact]
    public async Task Metrics_WithBearerToken_401WithoutIt_200WithIt()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Metrics:BearerToken"] = "scrape-secret-123" });
        var client = app.Start();
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "guess");
        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        right.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "scrape-secret-123");

        using var missing = await client.GetAsync("/metrics");
        using var guessed = await client.SendAsync(wrong);
        using var allowed = await client.SendAsync(right);

        missing.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        missing.Reason().Should().Be("Metrics need the configured bearer token");
        missing.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
        guessed.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        allowed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await allowed.Content.ReadAsStringAsync()).Should().Contain("# TYPE");
    }

    [Fact]
    public async Task Metrics_TargetInfoNamesTheNode()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Node:Name"] = "blossom-b" });
        var client = app.Start();

        var text = await client.GetStringAsync("/metrics");

        text.Should().MatchRegex(@"target_info\{[^}]*service_instance_id=""blossom-b""[^}]*\} 1");
    }

    [Fact]
    public async Task Metrics_NotDrawnFromThePerIpRequestBudget()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:RateLimit:PerIpPerMinute"] = "2" });
        var client = app.Start();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync("/metrics");
            statuses.Add(response.StatusCode);
        }
        using var first = await client.GetAsync("/list/" + _alice.Pubkey);
        using var second = await client.GetAsync("/list/" + _alice.Pubkey);
        using var third = await client.GetAsync("/list/" + _alice.Pubkey);

        statuses.Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.OK));
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the budget itself still applies to other routes");
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

    [Fact]
    public void Start_DatabaseUnreachable_StopsStartupNamingTheAddress()
    {
        // A valid PostgreSQL connection string to a port nothing listens on: the settings pass, the migration cannot.
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Database:Provider"] = "Postgres",
            ["Blossom:Database:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=blossom;Database=blossom",
        });

        var start = () => app.Start();

        start.Should().Throw<Npgsql.NpgsqlException>().Which.Message.Should().Contain("127.0.0.1:1");
    }
}
