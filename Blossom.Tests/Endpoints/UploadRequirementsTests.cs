using System.Net;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>BUD-06: HEAD /upload.</summary>
public sealed class UploadRequirementsTests : IDisposable
{
    private static readonly string Hash = new('c', 64);
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _mallory = new();
    private readonly BlossomApplication _app;
    private readonly HttpClient _client;

    public UploadRequirementsTests()
    {
        _app = new(new Dictionary<string, string?>
        {
            ["Blossom:Upload:MaxSizeBytes"] = "1000",
            ["Blossom:Upload:AllowedTypes:0"] = "image/*",
            ["Blossom:Upload:AllowedPubkeys:0"] = _alice.Pubkey,
        });
        _client = _app.Start();
    }

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData("image/png", "1000", HttpStatusCode.OK, null)]
    [InlineData("image/png", "1001", HttpStatusCode.RequestEntityTooLarge, "1000 bytes")]
    [InlineData("video/mp4", "10", HttpStatusCode.UnsupportedMediaType, "video/mp4")]
    [InlineData("image/png", null, HttpStatusCode.LengthRequired, "X-Content-Length")]
    [InlineData("image/png", "-5", HttpStatusCode.BadRequest, "X-Content-Length")]
    public async Task Head_Headers_StatusPerPolicy(string type, string? length, HttpStatusCode expected, string? reason)
    {
        using var request = Preflight(Hash, type, length).WithToken(_alice.Token(AuthorizationVerb.Upload, [Hash]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(expected);
        if (reason is not null) response.Reason().Should().Contain(reason);
    }

    [Theory]
    [InlineData(null, "X-SHA-256 header is required")]
    [InlineData("xyz", "X-SHA-256 must be")]
    public async Task Head_MissingOrMalformedHash_400(string? hash, string reason)
    {
        using var request = Preflight(hash, "image/png", "10").WithToken(_alice.Token(AuthorizationVerb.Upload, [Hash]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().StartWith(reason);
    }

    [Fact]
    public async Task Head_NoToken_401()
    {
        using var response = await _client.SendAsync(Preflight(Hash, "image/png", "10"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Head_TokenForOtherBlob_401()
    {
        using var request = Preflight(Hash, "image/png", "10").WithToken(_alice.Token(AuthorizationVerb.Upload, [new string('d', 64)]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Head_ValidTokenFromPubkeyNotAllowed_403()
    {
        using var request = Preflight(Hash, "image/png", "10").WithToken(_mallory.Token(AuthorizationVerb.Upload, [Hash]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Contain("pubkey");
    }

    [Fact]
    public async Task Put_ValidTokenFromPubkeyNotAllowed_403()
    {
        var data = BlossomRequests.RandomBlob(10);

        using var response = await _client.SendAsync(BlossomRequests.Upload(data, _mallory.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]), "image/png"));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    private static HttpRequestMessage Preflight(string? hash, string type, string? length)
    {
        var request = new HttpRequestMessage(HttpMethod.Head, "/upload");
        if (hash is not null) request.Headers.Add("X-SHA-256", hash);
        request.Headers.Add("X-Content-Type", type);
        if (length is not null) request.Headers.Add("X-Content-Length", length);
        return request;
    }
}
