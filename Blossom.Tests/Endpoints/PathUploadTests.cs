using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>BUD-13: PUT /&lt;sha256&gt;, every status of the draft's table this server answers.</summary>
public sealed class PathUploadTests : IDisposable
{
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();
    private readonly NostrSigner _mallory = new();
    private readonly BlossomApplication _app;
    private readonly HttpClient _client;

    public PathUploadTests()
    {
        _app = new(new Dictionary<string, string?>
        {
            ["Blossom:Upload:MaxSizeBytes"] = "100000",
            ["Blossom:Upload:AllowedTypes:0"] = "image/*",
            ["Blossom:Upload:AllowedTypes:1"] = "application/octet-stream",
            ["Blossom:Upload:AllowedPubkeys:0"] = _alice.Pubkey,
            ["Blossom:Upload:AllowedPubkeys:1"] = _bob.Pubkey,
            ["Blossom:Upload:QuotaBytesPerPubkey"] = "100000",
            ["Blossom:RateLimit:PerPubkeyPerMinute"] = "3",
        });
        _client = _app.Start();
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Put_NewBlob_201WithDescriptorAndBlobServed()
    {
        var data = BlossomRequests.RandomBlob(4321);
        var hash = BlossomRequests.Sha256(data);

        using var response = await _client.SendAsync(PathUpload($"/{hash}", data, _alice.Token(AuthorizationVerb.Upload, [hash]), "image/png"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var blob = (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Sha256.Should().Be(hash);
        blob.Size.Should().Be(4321);
        blob.Type.Should().Be("image/png");
        blob.Url.Should().Be($"{_app.BaseAddress.ToString().TrimEnd('/')}/{hash}.png");
        response.Headers.Location!.ToString().Should().Be(blob.Url);
        (await _client.GetByteArrayAsync(blob.Url)).Should().Equal(data);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().Equal(blob);
    }

    [Fact]
    public async Task Put_PathWithExtension_ExtensionIgnoredBlobStoredUnderHash()
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);

        using var response = await _client.SendAsync(PathUpload($"/{hash}.pdf", data, _alice.Token(AuthorizationVerb.Upload, [hash]), "image/jpeg"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Url.Should().EndWith($"/{hash}.jpg");
        (await _client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
    }

    [Fact]
    public async Task Put_ExistingBlobByAnotherOwner_200SameDescriptorAndOwnerRecorded()
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);
        using var first = await _client.SendAsync(PathUpload($"/{hash}", data, _alice.Token(AuthorizationVerb.Upload, [hash])));
        var stored = (await first.Content.ReadFromJsonAsync<BlobDescriptor>())!;

        using var second = await _client.SendAsync(PathUpload($"/{hash}", data, _bob.Token(AuthorizationVerb.Upload, [hash])));

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        (await second.Content.ReadFromJsonAsync<BlobDescriptor>()).Should().BeEquivalentTo(stored);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}")).Should().Equal(stored);
    }

    [Fact]
    public async Task Put_BodyHashDiffersFromPath_409AndNothingKept()
    {
        var data = BlossomRequests.RandomBlob();
        var path = BlossomRequests.Sha256(BlossomRequests.RandomBlob());

        using var response = await _client.SendAsync(PathUpload($"/{path}", data, _alice.Token(AuthorizationVerb.Upload, [path])));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        response.Reason().Should().Contain(BlossomRequests.Sha256(data)).And.Contain("path");
        (await _client.GetAsync($"/{path}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetAsync($"/{BlossomRequests.Sha256(data)}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
        Directory.EnumerateFiles(_app.StoragePath, "*", SearchOption.AllDirectories).Should().BeEmpty("no temp file is left behind");
    }

    [Theory]
    [InlineData("upper")]
    [InlineData("nothex")]
    [InlineData("nothex.png")]
    public async Task Put_PathHashNotLowercaseHex_400WithReason(string form)
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);
        var path = form == "upper" ? hash.ToUpperInvariant() : new string('g', 64) + form["nothex".Length..];

        using var response = await _client.SendAsync(PathUpload($"/{path}", data, _alice.Token(AuthorizationVerb.Upload, [hash])));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().Contain("lowercase hex");
        (await _client.GetAsync($"/{hash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_WithoutToken_401()
    {
        var data = BlossomRequests.RandomBlob();

        using var response = await _client.SendAsync(PathUpload($"/{BlossomRequests.Sha256(data)}", data, null));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Put_TokenNamingAnotherHash_401()
    {
        var data = BlossomRequests.RandomBlob();

        using var response = await _client.SendAsync(PathUpload($"/{BlossomRequests.Sha256(data)}", data, _alice.Token(AuthorizationVerb.Upload, [new string('d', 64)])));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Put_PubkeyNotAllowed_403()
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);

        using var response = await _client.SendAsync(PathUpload($"/{hash}", data, _mallory.Token(AuthorizationVerb.Upload, [hash])));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Put_NoContentLengthNorChunked_411()
    {
        var hash = new string('a', 64);
        var token = NostrSigner.Header(_alice.Token(AuthorizationVerb.Upload, [hash]));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_app.BaseAddress.Host, _app.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PUT /{hash} HTTP/1.1\r\nHost: {_app.BaseAddress.Authority}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"));

        var answer = await new StreamReader(stream).ReadToEndAsync();

        answer.Should().StartWith("HTTP/1.1 411 ");
        answer.Should().Contain("X-Reason: Content-Length is required");
    }

    [Fact]
    public async Task Put_ChunkedBody_201AsOnUpload()
    {
        var data = BlossomRequests.RandomBlob(50_000);
        var hash = BlossomRequests.Sha256(data);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/{hash}") { Content = new StreamContent(new MemoryStream(data)) };
        request.Headers.TransferEncodingChunked = true;
        request.WithToken(_alice.Token(AuthorizationVerb.Upload, [hash]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await _client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
    }

    [Fact]
    public async Task Put_ContentLengthOverLimit_413()
    {
        var data = BlossomRequests.RandomBlob(100_001);
        var hash = BlossomRequests.Sha256(data);

        using var response = await _client.SendAsync(PathUpload($"/{hash}", data, _alice.Token(AuthorizationVerb.Upload, [hash])));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Reason().Should().Contain("100000");
    }

    [Fact]
    public async Task Put_TypeNotAllowed_415()
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);

        using var response = await _client.SendAsync(PathUpload($"/{hash}", data, _alice.Token(AuthorizationVerb.Upload, [hash]), "video/mp4"));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().Contain("video/mp4");
    }

    [Fact]
    public async Task Put_BeyondQuota_413AsOnUpload()
    {
        var first = BlossomRequests.RandomBlob(60_000);
        var second = BlossomRequests.RandomBlob(60_000);
        using var stored = await _client.SendAsync(PathUpload($"/{BlossomRequests.Sha256(first)}", first, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(first)])));

        using var refused = await _client.SendAsync(PathUpload($"/{BlossomRequests.Sha256(second)}", second, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(second)])));

        stored.StatusCode.Should().Be(HttpStatusCode.Created);
        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        refused.Reason().Should().Be("Storage quota exceeded: your blobs take 60000 of 100000 bytes and this one needs 60000");
    }

    [Fact]
    public async Task Put_OverPerPubkeyRateLimit_429WithRetryAfter()
    {
        for (var i = 0; i < 3; i++)
        {
            var data = BlossomRequests.RandomBlob();
            using var accepted = await _client.SendAsync(PathUpload($"/{BlossomRequests.Sha256(data)}", data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
            accepted.StatusCode.Should().Be(HttpStatusCode.Created);
        }
        var fourth = BlossomRequests.RandomBlob();

        using var response = await _client.SendAsync(PathUpload($"/{BlossomRequests.Sha256(fourth)}", fourth, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(fourth)])));

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Delta.Should().BePositive();
    }

    [Fact]
    public async Task HeadUpload_AsPreflightOfPathUpload_StillAnswers()
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);
        using var preflight = new HttpRequestMessage(HttpMethod.Head, "/upload");
        preflight.Headers.Add("X-SHA-256", hash);
        preflight.Headers.Add("X-Content-Type", "image/png");
        preflight.Headers.Add("X-Content-Length", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        preflight.WithToken(_alice.Token(AuthorizationVerb.Upload, [hash]));

        using var response = await _client.SendAsync(preflight);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Info_ListsBud13()
    {
        using var info = JsonDocument.Parse(await _client.GetStringAsync("/info"));

        info.RootElement.GetProperty("buds").EnumerateArray().Select(b => b.GetString()).Should().Contain("13");
    }

    private static HttpRequestMessage PathUpload(string path, byte[] data, NostrEvent? token, string contentType = "application/octet-stream")
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (token is not null)
            request.WithToken(token);
        return request;
    }
}
