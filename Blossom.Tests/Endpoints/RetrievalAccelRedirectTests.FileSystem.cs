using System.Net;
using System.Net.Http.Headers;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>
/// <c>Storage:AccelRedirectPrefix</c>: blob GETs answered with the blob's headers and the file for
/// the nginx in front to send, checked on the server itself and through a real nginx.
/// </summary>
public sealed class RetrievalAccelRedirectTests : IDisposable
{
    private const string Prefix = "/_blobs";
    private readonly BlossomApplication _app = new(new Dictionary<string, string?> { ["Blossom:Storage:AccelRedirectPrefix"] = Prefix });
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();

    public RetrievalAccelRedirectTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Get_AccelRedirectPrefixSet_BlobHeadersAndItsFileNoBody()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes), "text/html");

        using var response = await _client.GetAsync($"/{blob.Sha256}.html");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("X-Accel-Redirect").Should().Equal($"{Prefix}/{blob.Sha256[..2]}/{blob.Sha256[2..4]}/{blob.Sha256}");
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        response.Headers.ETag!.Tag.Should().Be($"\"{blob.Sha256}\"");
        response.Headers.CacheControl!.ToString().Should().Be("public, max-age=31536000, immutable");
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        response.Headers.GetValues("Content-Security-Policy").Should().Equal("default-src 'none'; sandbox");
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Get_SmallBlobKeptInTheDatabase_BytesFromHereNoRedirect()
    {
        // No file for the proxy to send: a small blob is a row of the database (Storage:SmallBlobMaxBytes).
        var data = BlossomRequests.RandomBlob(5000);
        var blob = await _client.UploadAsync(_alice, data, "text/plain");

        using var response = await _client.GetAsync($"/{blob.Sha256}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Contains("X-Accel-Redirect").Should().BeFalse();
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task HeadAndConditionalGet_AccelRedirectPrefixSet_AnsweredHere()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(777));
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{blob.Sha256}\""));

        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}"));
        using var notModified = await _client.SendAsync(conditional);

        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Content.Headers.ContentLength.Should().Be(777);
        head.Headers.Contains("X-Accel-Redirect").Should().BeFalse();
        notModified.StatusCode.Should().Be(HttpStatusCode.NotModified);
        notModified.Headers.Contains("X-Accel-Redirect").Should().BeFalse();
    }

    [Fact]
    public async Task Get_FileGoneFromStore_404WithReason()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes));
        File.Delete(Path.Combine(_app.StoragePath, blob.Sha256[..2], blob.Sha256[2..4], blob.Sha256));

        using var response = await _client.GetAsync($"/{blob.Sha256}");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Reason().Should().Be("Blob not found");
        response.Headers.Contains("X-Accel-Redirect").Should().BeFalse();
    }

    [Fact]
    public async Task GetThroughNginx_WholeAndRange_BytesAndBlobHeaders()
    {
        var data = BlossomRequests.RandomBlob(200_000);
        var blob = await _client.UploadAsync(_alice, data, "image/webp");
        using var nginx = await NginxProxy.StartAsync(_app.BaseAddress, Prefix, _app.StoragePath);
        using var client = new HttpClient { BaseAddress = nginx.BaseAddress };
        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}.webp");
        ranged.Headers.Range = RangeHeaderValue.Parse("bytes=1000-1999");

        using var whole = await client.GetAsync($"/{blob.Sha256}.webp");
        using var part = await client.SendAsync(ranged);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}"));

        whole.StatusCode.Should().Be(HttpStatusCode.OK, nginx.ErrorLog());
        (await whole.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        part.StatusCode.Should().Be(HttpStatusCode.PartialContent, nginx.ErrorLog());
        part.Content.Headers.ContentRange!.ToString().Should().Be("bytes 1000-1999/200000");
        (await part.Content.ReadAsByteArrayAsync()).Should().Equal(data.Skip(1000).Take(1000));
        foreach (var response in new[] { whole, part, head })
        {
            response.Content.Headers.ContentType!.MediaType.Should().Be("image/webp");
            response.Headers.ETag!.Tag.Should().Be($"\"{blob.Sha256}\"");
            response.Headers.CacheControl!.ToString().Should().Be("public, max-age=31536000, immutable");
            response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
            response.Headers.GetValues("Content-Security-Policy").Should().Equal("default-src 'none'; sandbox");
            response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
            response.Headers.GetValues("Link").Single().Should().EndWith($"/{blob.Sha256}/preview>; rel=\"preview\"");
            response.Headers.Contains("X-Accel-Redirect").Should().BeFalse();
        }
        head.Content.Headers.ContentLength.Should().Be(200_000);
        whole.Content.Headers.ContentLength.Should().Be(200_000);
    }
}
