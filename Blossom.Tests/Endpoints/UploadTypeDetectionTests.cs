using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Blossom.Tests.Endpoints;

/// <summary>
/// Uploads sent as <c>curl -T file</c> sends them, without <c>Content-Type</c>: the type comes
/// from the content, and the type rules judge that type.
/// </summary>
public sealed class UploadTypeDetectionTests : IAsyncLifetime, IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly byte[] _png = [.. PngSignature, .. BlossomRequests.RandomBlob(2000)];
    private readonly byte[] _pdf = [.. "%PDF-1.7\n"u8.ToArray(), .. BlossomRequests.RandomBlob(2000)];
    private readonly NostrSigner _alice = new();
    private readonly BlossomApplication _app = new(new Dictionary<string, string?>
    {
        ["Blossom:Upload:AllowedTypes:0"] = "image/*",
        ["Blossom:Upload:AllowedTypes:1"] = "application/octet-stream",
        ["Blossom:Mirror:AllowPrivateNetworks"] = "true",
    });
    private HttpClient _client = null!;
    private WebApplication _origin = null!;

    public async Task InitializeAsync()
    {
        _client = _app.Start();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _origin = builder.Build();
        // An origin that names no type, as a bare file server may.
        _origin.MapGet("/photo", (HttpContext context) => context.Response.Body.WriteAsync(_png).AsTask());
        await _origin.StartAsync();
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task PutUpload_NoContentType_TypeAndExtensionFromContent()
    {
        using var response = await _client.SendAsync(Untyped("/upload", _png));

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
        var blob = (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Type.Should().Be("image/png");
        blob.Url.Should().EndWith($"/{blob.Sha256}.png");
        using var served = await _client.GetAsync(blob.Url);
        served.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
    }

    [Fact]
    public async Task PutUpload_ExplicitOctetStream_KeptAsSent()
    {
        var blob = await _client.UploadAsync(_alice, _png, "application/octet-stream");

        blob.Type.Should().Be("application/octet-stream");
        blob.Url.Should().EndWith(".bin");
    }

    [Fact]
    public async Task PutUpload_NoContentTypeUnknownContent_OctetStream()
    {
        using var response = await _client.SendAsync(Untyped("/upload", BlossomRequests.RandomBlob(1000)));

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Type.Should().Be("application/octet-stream");
    }

    [Fact]
    public async Task PutUpload_NoContentTypeDetectedTypeNotAllowed_415AndNothingStored()
    {
        using var response = await _client.SendAsync(Untyped("/upload", _pdf));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().Contain("application/pdf");
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{BlossomRequests.Sha256(_pdf)}"));
        head.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PutSha256Path_NoContentType_TypeFromContent()
    {
        var hash = BlossomRequests.Sha256(_png);

        using var response = await _client.SendAsync(Untyped($"/{hash}", _png));

        response.IsSuccessStatusCode.Should().BeTrue(response.Reason());
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Type.Should().Be("image/png");
    }

    [Fact]
    public async Task Mirror_OriginNamesNoType_TypeFromContent()
    {
        var port = new Uri(_origin.Urls.First()).Port;
        using var request = new HttpRequestMessage(HttpMethod.Put, "/mirror") { Content = JsonContent.Create(new { url = $"http://127.0.0.1:{port}/photo" }) };

        using var response = await _client.SendAsync(request.WithToken(_alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(_png)])));

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Type.Should().Be("image/png");
    }

    [Fact]
    public async Task PutMedia_NoContentType_OptimizedAsTheImageItIs()
    {
        var png = MediaSamples.PngWithAlpha(64, 48);
        using var request = Untyped("/media", png, AuthorizationVerb.Media);
        request.Headers.TryAddWithoutValidation("Prefer", "respond-async");

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, response.Reason());
        var task = await _client.WaitForEndAsync((await response.Content.ReadFromJsonAsync<MediaTaskResponse>())!.Id);
        task.Status.Should().Be("complete", task.Message);
        task.Blob!.Type.Should().StartWith("image/");
    }

    [Fact]
    public async Task PutMedia_NoContentTypeNotMedia_415FromTheOptimizer()
    {
        using var response = await _client.SendAsync(Untyped("/media", BlossomRequests.RandomBlob(1000), AuthorizationVerb.Media));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().Contain("media optimizer takes images, video and audio, not application/octet-stream");
    }

    /// <summary>A PUT the way <c>curl -T</c> sends it: the bytes and a token, no <c>Content-Type</c>.</summary>
    private HttpRequestMessage Untyped(string path, byte[] data, string verb = AuthorizationVerb.Upload)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType.Should().BeNull();
        request.Content.Headers.ContentLength = data.Length;
        return request.WithToken(_alice.Token(verb, [BlossomRequests.Sha256(data)]));
    }
}
