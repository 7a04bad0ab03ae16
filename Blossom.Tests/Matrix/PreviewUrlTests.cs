using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blossom.Core.Blobs;
using Blossom.Core.Matrix;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Matrix;

/// <summary>
/// GET preview_url against a real origin on loopback: with the private-address guard opened for it
/// (Mirror:AllowPrivateNetworks or a trusted host name, as in the mirror tests) pages are parsed and
/// their images stored; with the guard on, loopback targets and redirects to them are refused.
/// </summary>
public sealed class PreviewUrlTests : IAsyncLifetime
{
    private const string ServerName = "example.org";
    private const string Alice = "@alice:example.org";
    private const string ClientRoute = "/_matrix/client/v1/media/preview_url";
    private const string LegacyRoute = "/_matrix/media/v3/preview_url";

    private readonly byte[] _cover = MediaSamples.PngWithAlpha(64, 48);
    private WebApplication _origin = null!;
    private HomeserverStandIn _homeserver = null!;
    private string _token = null!;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _port;
    private int _pageHits;
    private int _bigPageHits;
    private int _heldArrivals;

    public async Task InitializeAsync()
    {
        _homeserver = await HomeserverStandIn.StartAsync();
        _token = _homeserver.Login(Alice);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _origin = builder.Build();
        _origin.MapGet("/page.html", () =>
        {
            Interlocked.Increment(ref _pageHits);
            return Html("""
                <html><head><title>Not this</title>
                <meta property="og:title" content="Matrix Blog Post">
                <meta property="og:description" content="This is a really cool blog post">
                <meta property="og:image" content="/img/cover.png">
                <meta property="og:image:width" content="999">
                <meta property="og:image:secure_url" content="https://elsewhere.example/cover.png">
                <meta property="og:site_name" content="Example">
                </head><body>Hello</body></html>
                """);
        });
        _origin.MapGet("/img/cover.png", () => Results.Bytes(_cover, "image/png"));
        _origin.MapGet("/plain.html", () => Html("<title>Plain page</title><meta name=\"description\" content=\"What it is about\">"));
        _origin.MapGet("/file.bin", () => Results.Bytes([1, 2, 3], "application/octet-stream"));
        _origin.MapGet("/missing", () => Results.NotFound());
        _origin.MapGet("/to-loopback", (HttpContext c) => Results.Redirect($"http://127.0.0.1:{c.Connection.LocalPort}/page.html"));
        _origin.MapGet("/private-image.html", (HttpContext c) =>
            Html($"<meta property=\"og:title\" content=\"Inward\"><meta property=\"og:image\" content=\"http://127.0.0.1:{c.Connection.LocalPort}/img/cover.png\">"));
        // The title only after the part that is read.
        _origin.MapGet("/long.html", () => Html($"<title>Early</title><!--{new string('x', 64 * 1024)}--><meta property=\"og:title\" content=\"Late\">"));
        // Answers nothing until the server gives up.
        _origin.MapGet("/stalls", async (HttpContext c) =>
        {
            var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = c.RequestAborted.Register(() => aborted.TrySetResult());
            await aborted.Task;
            return Results.Empty;
        });
        // 50 tags of 2 000 characters, distinct per page: the most a page could make the cache hold.
        _origin.MapGet("/big/{n:int}", (int n) =>
        {
            Interlocked.Increment(ref _bigPageHits);
            return Html(string.Concat(Enumerable.Range(0, 50).Select(i => $"<meta property=\"og:tag{i}\" content=\"{n}{new string('x', 2000)}\">")));
        });
        // Nested past any real page: its parse, unbounded, takes longer than the timeout.
        _origin.MapGet("/deep.html", () => Html($"<html><head><meta property=\"og:title\" content=\"Deep\"></head><body>{string.Concat(Enumerable.Repeat("<div>", 200_000))}</body></html>"));
        // Holds its preview's slot until the test releases it.
        _origin.MapGet("/held.html", async (HttpContext c) =>
        {
            Interlocked.Increment(ref _heldArrivals);
            await _release.Task.WaitAsync(c.RequestAborted);
            return Html("<title>Held</title>");
        });
        await _origin.StartAsync();
        _port = new Uri(_origin.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _origin.DisposeAsync();
        await _homeserver.DisposeAsync();
    }

    private static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");

    private BlossomApplication Server(bool allowPrivate, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Blossom:Matrix:Enabled"] = "true",
            ["Blossom:Matrix:ServerName"] = ServerName,
            ["Blossom:Matrix:HomeserverUrl"] = _homeserver.Url.AbsoluteUri,
            ["Blossom:Mirror:AllowPrivateNetworks"] = allowPrivate ? "true" : "false",
        };
        foreach (var (key, value) in more)
            settings[key] = value;
        return new BlossomApplication(settings);
    }

    private HttpRequestMessage Preview(string url, string route = ClientRoute, string? token = "header")
    {
        var query = $"{route}?url={Uri.EscapeDataString(url)}";
        if (token == "query")
            query += $"&access_token={_token}";
        var request = new HttpRequestMessage(HttpMethod.Get, query);
        if (token == "header")
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return request;
    }

    private string Origin(string path, string host = "127.0.0.1") => $"http://{host}:{_port}{path}";

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    private static async Task ShouldBeMatrixErrorAsync(HttpResponseMessage response, HttpStatusCode status, string errcode, string? errorContains = null)
    {
        response.StatusCode.Should().Be(status);
        var body = await JsonAsync(response);
        body["errcode"]!.GetValue<string>().Should().Be(errcode);
        if (errorContains is not null)
            body["error"]!.GetValue<string>().Should().Contain(errorContains);
    }

    [Theory]
    [InlineData(ClientRoute, "header")]
    [InlineData(LegacyRoute, "header")]
    [InlineData(LegacyRoute, "query")]
    public async Task PreviewUrl_PageFromTestOrigin_OpenGraphWithTheImageAsMediaOfTheUser(string route, string token)
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/page.html"), route, token));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var preview = await JsonAsync(response);
        preview["og:title"]!.GetValue<string>().Should().Be("Matrix Blog Post");
        preview["og:description"]!.GetValue<string>().Should().Be("This is a really cool blog post");
        preview["og:site_name"]!.GetValue<string>().Should().Be("Example");
        preview["og:image:type"]!.GetValue<string>().Should().Be("image/png");
        preview["matrix:image:size"]!.GetValue<long>().Should().Be(_cover.Length);
        preview["og:image:width"]!.GetValue<long>().Should().Be(64, "the stored image's own size wins over the page's claim");
        preview["og:image:height"]!.GetValue<long>().Should().Be(48);
        preview.Should().NotContainKey("og:image:secure_url", "only the stored image is offered");
        var mxc = preview["og:image"]!.GetValue<string>();
        mxc.Should().StartWith($"mxc://{ServerName}/");

        using var download = new HttpRequestMessage(HttpMethod.Get, $"/_matrix/client/v1/media/download/{ServerName}/{mxc[(mxc.LastIndexOf('/') + 1)..]}");
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var image = await client.SendAsync(download);
        image.StatusCode.Should().Be(HttpStatusCode.OK);
        (await image.Content.ReadAsByteArrayAsync()).Should().Equal(_cover);
        var owners = await app.Services.GetRequiredService<BlobService>().OwnersAsync(BlossomRequests.Sha256(_cover), CancellationToken.None);
        owners.Should().Equal(Alice);
    }

    [Fact]
    public async Task PreviewUrl_SameUrlAgain_AnsweredFromTheCache()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var first = await client.SendAsync(Preview(Origin("/page.html")));
        using var second = await client.SendAsync(Preview(Origin("/page.html#comments")));

        second.StatusCode.Should().Be(HttpStatusCode.OK);
        (await JsonAsync(second))["og:image"]!.GetValue<string>().Should().Be((await JsonAsync(first))["og:image"]!.GetValue<string>());
        _pageHits.Should().Be(1);
    }

    [Fact]
    public async Task PreviewUrl_CacheOff_FetchedEachTime()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Matrix:PreviewUrl:CacheSeconds", "0"));
        var client = app.Start();

        (await client.SendAsync(Preview(Origin("/page.html")))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.SendAsync(Preview(Origin("/page.html")))).StatusCode.Should().Be(HttpStatusCode.OK);

        _pageHits.Should().Be(2);
    }

    [Fact]
    public async Task PreviewUrl_PageWithoutOpenGraph_TitleAndDescription()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/plain.html")));

        (await JsonAsync(response)).Select(p => (p.Key, p.Value!.GetValue<string>())).Should()
            .BeEquivalentTo([("og:title", "Plain page"), ("og:description", "What it is about")]);
    }

    [Fact]
    public async Task PreviewUrl_LinkToAnImage_TheImageAlone()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/img/cover.png")));

        var preview = await JsonAsync(response);
        preview["og:image"]!.GetValue<string>().Should().StartWith($"mxc://{ServerName}/");
        preview["matrix:image:size"]!.GetValue<long>().Should().Be(_cover.Length);
    }

    [Fact]
    public async Task PreviewUrl_NeitherPageNorImage_EmptyObject()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/file.bin")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await JsonAsync(response)).Should().BeEmpty();
    }

    [Fact]
    public async Task PreviewUrl_ImageBeyondTheMatrixUploadLimit_PreviewWithoutIt()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Matrix:MaxUploadBytes", "100"));
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/page.html")));

        var preview = await JsonAsync(response);
        preview["og:title"]!.GetValue<string>().Should().Be("Matrix Blog Post");
        preview.Should().NotContainKeys("og:image", "matrix:image:size", "og:image:width", "og:image:type");
    }

    [Fact]
    public async Task PreviewUrl_PageLongerThanMaxBytes_OnlyItsHeadRead()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Matrix:PreviewUrl:MaxBytes", "4096"));
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/long.html")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await JsonAsync(response))["og:title"]!.GetValue<string>().Should().Be("Early");
    }

    [Fact]
    public async Task PreviewUrl_PageWithManyLongTags_OnlyTheFirstTagsUpToTheLengthLimitKept()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/big/1")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var preview = await JsonAsync(response);
        preview.Sum(p => p.Key.Length + p.Value!.GetValue<string>().Length).Should().BeLessThanOrEqualTo(OpenGraphPage.MaxTagsLength);
        preview.Should().ContainKey("og:tag0", "the page's first tags are kept");
        preview.Should().NotContainKey("og:tag49");
    }

    [Fact]
    public async Task PreviewUrl_PagesBeyondTheCacheBytes_NotAllKept()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Matrix:PreviewUrl:CacheBytes", "65536"));
        var client = app.Start();

        for (var round = 0; round < 2; round++)
        {
            for (var n = 0; n < 10; n++)
                (await client.SendAsync(Preview(Origin($"/big/{n}")))).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        _bigPageHits.Should().BeGreaterThan(10, "ten previews of over 10 KiB each do not fit in 64 KiB, so some are fetched again");
    }

    [Fact]
    public async Task PreviewUrl_DeeplyNestedPage_TagsBeforeTheElementLimitAnswered()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/deep.html")));

        response.StatusCode.Should().Be(HttpStatusCode.OK, "the parse stops at the element limit instead of running into the timeout");
        (await JsonAsync(response))["og:title"]!.GetValue<string>().Should().Be("Deep");
    }

    [Fact]
    public async Task PreviewUrl_EverySlotBusy_429LimitExceededButTheCacheStillAnswers()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Matrix:PreviewUrl:MaxConcurrent", "1"));
        var client = app.Start();
        (await client.SendAsync(Preview(Origin("/page.html")))).StatusCode.Should().Be(HttpStatusCode.OK);

        var held = client.SendAsync(Preview(Origin("/held.html")));
        await Poll.UntilAsync(() => Volatile.Read(ref _heldArrivals) == 1, "the held page is being fetched");
        using var refused = await client.SendAsync(Preview(Origin("/plain.html")));
        using var cached = await client.SendAsync(Preview(Origin("/page.html")));
        _release.SetResult();
        using var heldAnswer = await held;
        using var afterwards = await client.SendAsync(Preview(Origin("/plain.html")));

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var body = await JsonAsync(refused);
        body["errcode"]!.GetValue<string>().Should().Be("M_LIMIT_EXCEEDED");
        body["retry_after_ms"]!.GetValue<long>().Should().Be(1000);
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        cached.StatusCode.Should().Be(HttpStatusCode.OK, "a cached preview takes no slot");
        heldAnswer.StatusCode.Should().Be(HttpStatusCode.OK);
        afterwards.StatusCode.Should().Be(HttpStatusCode.OK, "the slot is free again");
        _pageHits.Should().Be(1);
    }

    [Theory]
    [InlineData("/missing", "The page answered 404")]
    [InlineData("dead", "The page could not be fetched")]
    public async Task PreviewUrl_OriginFails_502Unknown(string path, string reason)
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();
        var url = path == "dead" ? $"http://127.0.0.1:{FreePort.OnLoopback()}/page.html" : Origin(path);

        using var response = await client.SendAsync(Preview(url));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.BadGateway, "M_UNKNOWN", reason);
    }

    [Fact]
    public async Task PreviewUrl_OriginStalls_502WhenTheTimeoutEnds()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Matrix:PreviewUrl:TimeoutSeconds", "1"));
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/stalls")));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.BadGateway, "M_UNKNOWN", "did not answer within 1 seconds");
    }

    [Theory]
    [MemberData(nameof(LoopbackHosts.All), MemberType = typeof(LoopbackHosts))]
    public async Task PreviewUrl_GuardOn_LoopbackRefused(string host)
    {
        using var app = Server(allowPrivate: false);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/page.html", host)));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.Forbidden, "M_FORBIDDEN", "not a public internet address");
        _pageHits.Should().Be(0);
    }

    [Fact]
    public async Task PreviewUrl_GuardOn_RedirectToAPrivateAddressRefused()
    {
        // localhost is trusted by name; the redirect's target, 127.0.0.1, is checked on its own.
        using var app = Server(allowPrivate: false, ("Blossom:Mirror:AllowedPrivateHosts:0", "localhost"));
        var client = app.Start();

        using var direct = await client.SendAsync(Preview(Origin("/plain.html", "localhost")));
        using var redirected = await client.SendAsync(Preview(Origin("/to-loopback", "localhost")));

        direct.StatusCode.Should().Be(HttpStatusCode.OK, "a trusted host name passes");
        await ShouldBeMatrixErrorAsync(redirected, HttpStatusCode.Forbidden, "M_FORBIDDEN", "127.0.0.1");
        _pageHits.Should().Be(0);
    }

    [Fact]
    public async Task PreviewUrl_GuardOn_ImageOnAPrivateAddressLeftOut()
    {
        using var app = Server(allowPrivate: false, ("Blossom:Mirror:AllowedPrivateHosts:0", "localhost"));
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/private-image.html", "localhost")));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var preview = await JsonAsync(response);
        preview["og:title"]!.GetValue<string>().Should().Be("Inward");
        preview.Should().NotContainKey("og:image");
        (await app.Services.GetRequiredService<BlobService>().FindAsync(BlossomRequests.Sha256(_cover), CancellationToken.None)).Should().BeNull();
    }

    [Theory]
    [InlineData(null, null, "M_MISSING_PARAM")]
    [InlineData("ftp://example.com/x", null, "M_INVALID_PARAM")]
    [InlineData("file:///etc/passwd", null, "M_INVALID_PARAM")]
    [InlineData("/relative", null, "M_INVALID_PARAM")]
    [InlineData("https://example.com/", "yesterday", "M_INVALID_PARAM")]
    public async Task PreviewUrl_BadParameters_400(string? url, string? ts, string errcode)
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();
        var query = string.Join('&', new[] { url is null ? null : $"url={Uri.EscapeDataString(url)}", ts is null ? null : $"ts={ts}" }.OfType<string>());
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{ClientRoute}?{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);

        using var response = await client.SendAsync(request);

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.BadRequest, errcode);
    }

    [Fact]
    public async Task PreviewUrl_TsGiven_StillTheCurrentPage()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();
        using var request = Preview(Origin("/plain.html"));
        request.RequestUri = new Uri($"{request.RequestUri}&ts=1510610716656", UriKind.Relative);

        using var response = await client.SendAsync(request);

        (await JsonAsync(response))["og:title"]!.GetValue<string>().Should().Be("Plain page");
    }

    [Theory]
    [InlineData(ClientRoute)]
    [InlineData(LegacyRoute)]
    public async Task PreviewUrl_NoToken_401MissingToken(string route)
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/page.html"), route, token: null));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.Unauthorized, "M_MISSING_TOKEN");
        _pageHits.Should().Be(0);
    }

    [Fact]
    public async Task PreviewUrl_TurnedOff_404Unrecognized()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Matrix:PreviewUrl:Enabled", "false"));
        var client = app.Start();

        using var response = await client.SendAsync(Preview(Origin("/page.html")));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.NotFound, "M_UNRECOGNIZED");
    }
}
