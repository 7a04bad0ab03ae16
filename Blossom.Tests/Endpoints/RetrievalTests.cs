using System.Net;
using System.Net.Http.Headers;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>BUD-01: GET and HEAD /&lt;sha256&gt;[.ext].</summary>
public sealed class RetrievalTests : IDisposable
{
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();

    public RetrievalTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData(".png")]
    [InlineData(".pdf")]
    [InlineData(".tar.gz")]
    public async Task Get_AnyExtension_ServesBlobWithItsOwnType(string extension)
    {
        var data = BlossomRequests.RandomBlob(5000);
        var blob = await _client.UploadAsync(_alice, data, "image/webp");

        using var response = await _client.GetAsync($"/{blob.Sha256}{extension}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/webp");
        response.Content.Headers.ContentLength.Should().Be(5000);
        response.Headers.ETag!.Tag.Should().Be($"\"{blob.Sha256}\"");
        response.Headers.CacheControl!.ToString().Should().Be("public, max-age=31536000, immutable");
        response.Headers.AcceptRanges.Should().Contain("bytes");
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("upload")]
    [InlineData("invalid")]
    public async Task Get_WithAToken_ServedAsWithout(string token)
    {
        // Reads need no token; one that comes along (a client's t=get, an uploader asking about a
        // chunked upload, or a broken one) changes nothing for a stored blob.
        var data = BlossomRequests.RandomBlob(2000);
        var blob = await _client.UploadAsync(_alice, data);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}");
        if (token == "invalid")
            request.Headers.TryAddWithoutValidation("Authorization", "Nostr not-a-token");
        else
            request.WithToken(_alice.Token(token, [blob.Sha256]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task Head_ExistingBlob_SameHeadersNoBody()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(777), "application/pdf");

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}.pdf"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
        response.Content.Headers.ContentLength.Should().Be(777);
        response.Headers.AcceptRanges.Should().Contain("bytes");
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    // Blobs up to 64 KiB are served from memory, larger ones streamed from the file: both do ranges.
    [Theory]
    [InlineData("bytes=0-9", 0, 10, 1000)]
    [InlineData("bytes=100-", 100, 900, 1000)]
    [InlineData("bytes=-25", 975, 25, 1000)]
    [InlineData("bytes=0-9", 0, 10, 100_000)]
    [InlineData("bytes=99000-", 99000, 1000, 100_000)]
    [InlineData("bytes=-25", 99975, 25, 100_000)]
    public async Task Get_Range_PartialContent(string range, int offset, int length, int size)
    {
        var data = BlossomRequests.RandomBlob(size);
        var blob = await _client.UploadAsync(_alice, data);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}");
        request.Headers.Range = RangeHeaderValue.Parse(range);

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        response.Content.Headers.ContentRange!.ToString().Should().Be($"bytes {offset}-{offset + length - 1}/{size}");
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data.Skip(offset).Take(length));
    }

    [Fact]
    public async Task Get_RangeBeyondEnd_416()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(100));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}");
        request.Headers.Range = RangeHeaderValue.Parse("bytes=500-600");

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestedRangeNotSatisfiable);
        response.Content.Headers.ContentRange!.ToString().Should().Be("bytes */100");
        response.Reason().Should().Be("Range not satisfiable: the blob is 100 bytes");
        response.Headers.CacheControl?.ToString().Should().NotContain("immutable");
    }

    [Theory]
    [InlineData("text/html", "<html><body><script>alert(document.domain)</script></body></html>")]
    [InlineData("image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")]
    public async Task Get_ActiveContentBlob_InertAndServedAsAttachment(string type, string content)
    {
        var blob = await _client.UploadAsync(_alice, System.Text.Encoding.UTF8.GetBytes(content), type);

        using var get = await _client.GetAsync($"/{blob.Sha256}");
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}"));

        foreach (var response in new[] { get, head })
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.Should().Be(type);
            response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
            response.Headers.GetValues("Content-Security-Policy").Should().Equal("default-src 'none'; sandbox");
            response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        }
    }

    [Theory]
    [InlineData(5000)]
    [InlineData(100_000)]
    public async Task Get_PassiveContentBlob_InertButShownInline(int size)
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(size), "image/png");

        using var response = await _client.GetAsync($"/{blob.Sha256}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        response.Headers.GetValues("Content-Security-Policy").Should().Equal("default-src 'none'; sandbox");
        response.Content.Headers.ContentDisposition.Should().BeNull();
    }

    [Fact]
    public async Task Head_LargeBlob_SameHeadersNoBody()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(100_000), "video/mp4");

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}.mp4"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("video/mp4");
        response.Content.Headers.ContentLength.Should().Be(100_000);
        response.Headers.ETag!.Tag.Should().Be($"\"{blob.Sha256}\"");
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    // A whole large blob is sent from its file straight into the connection's output; ranges and
    // every conditional header stay with the framework's rules.
    [Fact]
    public async Task Get_LargeBlobWhole_ExactBytesAndHeaders_ConditionalsStillAnswered()
    {
        var data = BlossomRequests.RandomBlob(300_000);
        var blob = await _client.UploadAsync(_alice, data, "video/mp4");

        using var whole = await _client.GetAsync($"/{blob.Sha256}.mp4");
        using var modifiedSince = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}") { Headers = { IfModifiedSince = DateTimeOffset.UtcNow } });
        using var otherTag = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}") { Headers = { IfMatch = { new EntityTagHeaderValue("\"other\"") } } });

        whole.StatusCode.Should().Be(HttpStatusCode.OK);
        (await whole.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        whole.Content.Headers.ContentLength.Should().Be(300_000);
        whole.Content.Headers.ContentType!.MediaType.Should().Be("video/mp4");
        whole.Content.Headers.LastModified.Should().NotBeNull();
        whole.Headers.ETag!.Tag.Should().Be($"\"{blob.Sha256}\"");
        whole.Headers.AcceptRanges.Should().Equal("bytes");
        whole.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        modifiedSince.StatusCode.Should().Be(HttpStatusCode.NotModified);
        otherTag.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
    }

    // A download that keeps up is sent in large pieces, one that falls behind in small blocks; a
    // client that stalls and then reads on switches between them. Every byte arrives either way.
    [Fact]
    public async Task Get_LargeBlobWhole_FastAndStallingReadersGetExactBytes()
    {
        var data = BlossomRequests.RandomBlob(24 * 1024 * 1024);
        var blob = await _client.UploadAsync(_alice, data, "application/octet-stream");

        using var stalling = await _client.GetAsync($"/{blob.Sha256}", HttpCompletionOption.ResponseHeadersRead);
        await using var stallingBody = await stalling.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var start = new byte[1024 * 1024];
        await stallingBody.ReadExactlyAsync(start);
        received.Write(start);

        // While the first reader stalls, with most of the blob still to come, a second takes it all.
        (await _client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);

        await stallingBody.CopyToAsync(received);
        received.ToArray().Should().Equal(data);
    }

    // Small blobs' bytes are held in memory after a GET: a deleted blob must not be served from there.
    [Fact]
    public async Task Get_SmallBlobServedThenDeleted_404()
    {
        var data = BlossomRequests.RandomBlob(3000);
        var blob = await _client.UploadAsync(_alice, data);
        (await _client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);
        (await _client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);

        using var delete = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256])));
        using var response = await _client.GetAsync($"/{blob.Sha256}");

        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Reason().Should().Be("Blob not found");
    }

    // A GET that found the blob while a DELETE removed it answered 500 when the file vanished before
    // it was opened. Every answer must be the blob, or a 404 once it is gone.
    [Fact]
    public async Task Get_RacingDelete_AnswersBlobOr404Never500()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:RateLimit:PerIpPerMinute"] = "0", ["Blossom:RateLimit:PerPubkeyPerMinute"] = "0" });
        var client = app.Start();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < 150 && DateTime.UtcNow < deadline; round++)
        {
            var data = BlossomRequests.RandomBlob(100_000);
            var blob = await client.UploadAsync(_alice, data);
            var gets = Enumerable.Range(0, 4).Select(i => GetFullyAsync(client, $"/{blob.Sha256}", i % 2 == 1)).ToList();
            using var delete = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
                .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256])));
            delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
            statuses.AddRange(await Task.WhenAll(gets));
        }

        statuses.Should().NotBeEmpty().And.OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.PartialContent || s == HttpStatusCode.NotFound);
    }

    private static async Task<HttpStatusCode> GetFullyAsync(HttpClient client, string path, bool ranged)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (ranged)
            request.Headers.Range = RangeHeaderValue.Parse("bytes=1000-");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode == HttpStatusCode.OK)
            body.Length.Should().Be(100_000);
        return response.StatusCode;
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(100_000)]
    public async Task Get_IfNoneMatchHash_304(int size)
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(size));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}.bin");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{blob.Sha256}\""));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task Get_UnknownBlob_404WithReasonAndCors()
    {
        using var response = await _client.GetAsync($"/{new string('a', 64)}.png");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Reason().Should().Be("Blob not found");
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        response.Headers.GetValues("Access-Control-Expose-Headers").Single().Split(", ").Should().Contain(["*", "X-Reason", "ETag"]);
        (await response.Content.ReadAsStringAsync()).Should().Be("{\"message\":\"Blob not found\"}");
    }

    [Theory]
    [InlineData("/upload")]
    [InlineData("/list/0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Options_Preflight_AllowsBlossomMethodsAndAuthorization(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "PUT");

        using var response = await _client.SendAsync(request);

        response.IsSuccessStatusCode.Should().BeTrue();
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        response.Headers.GetValues("Access-Control-Allow-Headers").Single().Split(", ").Should().Contain(["Authorization", "*"]);
        response.Headers.GetValues("Access-Control-Allow-Methods").Single().Should().Be("GET, HEAD, POST, PUT, PATCH, DELETE");
        response.Headers.GetValues("Access-Control-Max-Age").Single().Should().Be("86400");
    }

    [Fact]
    public async Task Healthz_Ready_200()
    {
        using var response = await _client.GetAsync("/healthz");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }
}
