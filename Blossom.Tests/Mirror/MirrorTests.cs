using System.Net;
using System.Net.Http.Json;
using System.Text;
using Blossom.Core.Auth;
using Blossom.Core.Outbound;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Blossom.Tests.Mirror;

/// <summary>PUT /mirror against a real origin server on loopback, with the SSRF guard off and on.</summary>
public sealed class MirrorTests : IAsyncLifetime
{
    private readonly byte[] _blob = BlossomRequests.RandomBlob(64 * 1024);
    private readonly NostrSigner _alice = new();
    private WebApplication _origin = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _origin = builder.Build();
        _origin.MapGet("/blob.bin", () => Results.Bytes(_blob, "application/octet-stream"));
        _origin.MapGet("/photo.jpg", () => Results.Bytes(_blob, "image/jpeg"));
        _origin.MapGet("/missing", () => Results.NotFound());
        _origin.MapGet("/to-loopback", (HttpContext c) => Results.Redirect($"http://127.0.0.1:{c.Connection.LocalPort}/blob.bin"));
        _origin.MapGet("/to", (string location) => Results.Redirect(location));
        _origin.MapGet("/loop", () => Results.Redirect("/loop"));
        // Without Content-Length, so only the streamed count can stop it.
        _origin.MapGet("/endless", async (HttpContext c) =>
        {
            var chunk = new byte[64 * 1024];
            while (!c.RequestAborted.IsCancellationRequested)
                await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
        });
        await _origin.StartAsync();
        _port = new Uri(_origin.Urls.First()).Port;
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private static BlossomApplication Server(bool allowPrivate, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Blossom:Mirror:AllowPrivateNetworks"] = allowPrivate ? "true" : "false" };
        foreach (var (key, value) in more)
            settings[key] = value;
        return new BlossomApplication(settings);
    }

    private HttpRequestMessage Mirror(string url, string? hash = null, string? body = null) =>
        new HttpRequestMessage(HttpMethod.Put, "/mirror") { Content = new StringContent(body ?? $"{{\"url\":\"{url}\"}}", System.Text.Encoding.UTF8, "application/json") }
            .WithToken(_alice.Token(AuthorizationVerb.Upload, [hash ?? BlossomRequests.Sha256(_blob)]));

    [Fact]
    public async Task Mirror_FromOrigin_201ThenOn200_SameBytesOwnedByCaller()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var created = await client.SendAsync(Mirror($"http://127.0.0.1:{_port}/photo.jpg"));
        using var again = await client.SendAsync(Mirror($"http://127.0.0.1:{_port}/photo.jpg"));

        created.StatusCode.Should().Be(HttpStatusCode.Created, created.Reason());
        var blob = (await created.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Type.Should().Be("image/jpeg");
        blob.Size.Should().Be(_blob.Length);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(_blob);
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle();
    }

    [Fact]
    public async Task Mirror_OctetStreamOrigin_TypeFromTheUrlExtension()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Mirror($"http://127.0.0.1:{_port}/blob.bin"));

        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Type.Should().Be("application/octet-stream");
    }

    [Fact]
    public async Task Mirror_HashNotInToken_409AndNothingStored()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Mirror($"http://127.0.0.1:{_port}/blob.bin", hash: new string('b', 64)));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await client.GetAsync($"/{BlossomRequests.Sha256(_blob)}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/missing", "The origin answered 404")]
    [InlineData("dead", "The origin could not be fetched")]
    public async Task Mirror_OriginFails_502(string path, string reason)
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();
        // A port that was just free: nothing listens there.
        var url = path == "dead" ? $"http://127.0.0.1:{FreePort.OnLoopback()}/blob.bin" : $"http://127.0.0.1:{_port}{path}";

        using var response = await client.SendAsync(Mirror(url));

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Reason().Should().StartWith(reason);
    }

    [Fact]
    public async Task Mirror_EndlessOriginBody_CutOffAt413()
    {
        using var app = Server(allowPrivate: true, ("Blossom:Upload:MaxSizeBytes", "1000000"));
        var client = app.Start();

        using var response = await client.SendAsync(Mirror($"http://127.0.0.1:{_port}/endless"));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        Directory.EnumerateFiles(app.StoragePath, "*", SearchOption.AllDirectories).Should().BeEmpty("the partial download is discarded");
    }

    [Theory]
    [InlineData("not json", "The body is not JSON")]
    [InlineData("{\"uri\":\"http://example.com\"}", "The body must be a JSON object with a url string")]
    [InlineData("{\"url\":\"ftp://example.com/x\"}", "url must be an absolute http or https URL")]
    [InlineData("{\"url\":\"file:///etc/passwd\"}", "url must be an absolute http or https URL")]
    [InlineData("{\"url\":\"/relative\"}", "url must be an absolute http or https URL")]
    public async Task Mirror_BadBody_400(string body, string reason)
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Mirror("", body: body));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().StartWith(reason);
    }

    [Fact]
    public async Task Mirror_ChunkedBodyBeyondTheCap_413WithoutReadingItAll()
    {
        using var app = Server(allowPrivate: true);
        app.Start();

        var token = NostrSigner.Header(_alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(_blob)]));

        var (head, sent) = await ChunkedBody.PutAsync(app.BaseAddress, "/mirror",
            $"Authorization: {token}\r\nContent-Type: application/json\r\n", "{\"url\":\"http://example.com/", 64 * 1024 * 1024);

        head.Should().StartWith("HTTP/1.1 413 ");
        head.Should().Contain("X-Reason: A mirror request body is at most 16384 bytes: {\"url\": \"https://...\"}");
        sent.Should().BeLessThan(8 * 1024 * 1024, "the server stops reading at the cap");
    }

    [Theory]
    [MemberData(nameof(LoopbackHosts.All), MemberType = typeof(LoopbackHosts))]
    public async Task Mirror_GuardOn_LoopbackOriginRefused(string host)
    {
        using var app = Server(allowPrivate: false);
        var client = app.Start();

        using var response = await client.SendAsync(Mirror($"http://{host}:{_port}/blob.bin"));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Contain("not a public internet address");
    }

    [Fact]
    public async Task Mirror_GuardOn_RedirectToAPrivateAddressRefused()
    {
        // localhost is trusted by name; the redirect's target, 127.0.0.1, is checked on its own.
        using var app = Server(allowPrivate: false, ("Blossom:Mirror:AllowedPrivateHosts:0", "localhost"));
        var client = app.Start();

        using var direct = await client.SendAsync(Mirror($"http://localhost:{_port}/blob.bin"));
        using var redirected = await client.SendAsync(Mirror($"http://localhost:{_port}/to-loopback", hash: new string('c', 64)));

        direct.StatusCode.Should().Be(HttpStatusCode.Created, "a trusted host name passes");
        redirected.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        redirected.Reason().Should().Contain("127.0.0.1");
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://127.0.0.1/blob.bin")]
    [InlineData("gopher://127.0.0.1:70/_blob")]
    [InlineData("data:text/plain,hello")]
    public async Task Mirror_RedirectToAnotherScheme_502WithReason(string location)
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Mirror($"http://127.0.0.1:{_port}/to?location={Uri.EscapeDataString(location)}"));

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Reason().Should().Be($"The origin redirected to a {new Uri(location).Scheme}: URL; only http and https are followed");
        Directory.EnumerateFiles(app.StoragePath, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Mirror_EndlessRedirects_502WithReason()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.SendAsync(Mirror($"http://127.0.0.1:{_port}/loop"));

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        response.Reason().Should().Be("The origin redirected more than 5 times");
    }

    [Fact]
    public async Task Mirror_WithoutToken_401()
    {
        using var app = Server(allowPrivate: true);
        var client = app.Start();

        using var response = await client.PutAsync("/mirror", new StringContent($"{{\"url\":\"http://127.0.0.1:{_port}/blob.bin\"}}"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::127.0.0.1", false)]
    [InlineData("64:ff9b::7f00:1", false)]
    [InlineData("2002:7f00:1::", false)]
    [InlineData("2001:0:4136:e378::1", false)]
    [InlineData("::ffff:0:7f00:1", false)]
    [InlineData("::ffff:0:10.0.0.1", false)]
    [InlineData("::ffff:0:8.8.8.8", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::808:808", true)]
    public void IsPublic_ClassifiesAddresses(string address, bool expected) =>
        NetworkAddresses.IsPublic(IPAddress.Parse(address)).Should().Be(expected);
}
