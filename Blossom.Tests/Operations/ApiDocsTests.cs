using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Operations;

/// <summary>The API reference at /docs and what the OpenAPI document says about tokens.</summary>
public sealed partial class ApiDocsTests : IDisposable
{
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;

    public ApiDocsTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Docs_HtmlThatLoadsItsOwnScript()
    {
        using var page = await _client.GetAsync("/docs");

        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var html = await page.Content.ReadAsStringAsync();
        AbsoluteUrls().Matches(html).Select(m => m.Value).Where(u => !u.StartsWith(_client.BaseAddress!.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
            .Should().BeEmpty("the page loads nothing from other hosts");
        var scripts = ScriptSources().Matches(html).Select(m => m.Groups[1].Value).ToList();
        scripts.Should().NotBeEmpty();
        foreach (var source in scripts)
        {
            var address = new Uri(new Uri(_client.BaseAddress!, "/docs/"), source);
            address.Authority.Should().Be(_client.BaseAddress!.Authority, "the reference is served without a CDN");
            using var script = await _client.GetAsync(address);
            script.StatusCode.Should().Be(HttpStatusCode.OK, address.ToString());
            (await script.Content.ReadAsByteArrayAsync()).Length.Should().BeGreaterThan(1000);
        }
    }

    [Fact]
    public async Task OpenApi_NostrSchemeOnTokenRoutes()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Nostr");
        scheme.GetProperty("type").GetString().Should().Be("apiKey");
        scheme.GetProperty("in").GetString().Should().Be("header");
        scheme.GetProperty("name").GetString().Should().Be("Authorization");
        scheme.GetProperty("description").GetString().Should().Contain("24242");
        var paths = document.GetProperty("paths");
        SchemesOf(paths.GetProperty("/upload").GetProperty("put")).Should().Contain("Nostr");
        SchemesOf(paths.GetProperty("/admin/blobs").GetProperty("get")).Should().Contain("Nostr");
        paths.GetProperty("/upload").GetProperty("put").GetProperty("description").GetString().Should().Contain("`t` = upload");
        var reads = paths.EnumerateObject().Where(p => p.Name.StartsWith("/{blob", StringComparison.Ordinal) && p.Value.TryGetProperty("get", out _)).ToList();
        reads.Should().NotBeEmpty();
        reads.Should().AllSatisfy(p => p.Value.GetProperty("get").TryGetProperty("security", out _).Should().BeFalse($"reading {p.Name} needs no token"));
    }

    private static List<string?> SchemesOf(JsonElement operation) =>
        [.. operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name))];

    [GeneratedRegex("<script[^>]*\\bsrc=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSources();

    [GeneratedRegex("https?://[^\"'\\s)<>]+")]
    private static partial Regex AbsoluteUrls();
}
