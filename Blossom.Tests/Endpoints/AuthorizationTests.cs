using System.Net;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>BUD-11 tokens on a real upload: every way a token can be bad is a 401 with a reason.</summary>
public sealed class AuthorizationTests : IDisposable
{
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();
    private readonly byte[] _data = BlossomRequests.RandomBlob();

    public AuthorizationTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    private string Hash => BlossomRequests.Sha256(_data);

    public static TheoryData<string> BadTokens() =>
    [
        "wrong kind", "bad signature", "tampered id", "tampered content", "expired", "no expiration", "future created_at",
        "wrong verb", "missing x", "mismatched x", "wrong server tag", "expiration beyond lifetime", "not JSON", "not base64", "empty", "wrong scheme", "JSON array",
    ];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Put_BadToken_401WithReason(string kind)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var good = _alice.Token(AuthorizationVerb.Upload, [Hash]);
        var header = kind switch
        {
            "wrong kind" => Header(_alice.Token(AuthorizationVerb.Upload, [Hash], kind: 1)),
            "bad signature" => Header(good with { Sig = new string('1', 128) }),
            "tampered id" => Header(good with { Id = new string('f', 64) }),
            "tampered content" => Header(good with { Content = "changed after signing" }),
            "expired" => Header(_alice.Token(AuthorizationVerb.Upload, [Hash], expiration: now - 1)),
            "no expiration" => Header(_alice.Sign(AuthorizationEvent.Kind, now, [["t", "upload"], ["x", Hash]], "")),
            "future created_at" => Header(_alice.Token(AuthorizationVerb.Upload, [Hash], createdAt: now + 3600)),
            "wrong verb" => Header(_alice.Token(AuthorizationVerb.Delete, [Hash])),
            "missing x" => Header(_alice.Token(AuthorizationVerb.Upload)),
            "mismatched x" => Header(_alice.Token(AuthorizationVerb.Upload, [new string('0', 64)])),
            "expiration beyond lifetime" => Header(_alice.Token(AuthorizationVerb.Upload, [Hash], expiration: now + 31 * 86_400)),
            "wrong server tag" => Header(_alice.Token(AuthorizationVerb.Upload, [Hash], servers: ["cdn.example.com"])),
            "not JSON" => "Nostr " + Convert.ToBase64String(Encoding.UTF8.GetBytes("hello, not json")),
            "not base64" => "Nostr !!!***not~base64***!!!",
            "empty" => "Nostr ",
            "wrong scheme" => "Bearer " + Header(good)["Nostr ".Length..],
            "JSON array" => "Nostr " + Convert.ToBase64String(Encoding.UTF8.GetBytes("[1,2,3]")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        using var request = BlossomRequests.Upload(_data, null);
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, kind);
        response.Reason().Should().NotBeNullOrWhiteSpace();
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        (await _client.GetAsync($"/{Hash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task Put_TokenInAnyBase64Spelling_Accepted(bool urlSafe, bool padded)
    {
        // All four spellings differ only when the standard encoding has '=' (set by the JSON's length
        // mod 3) and '/' (three '?' in a row put one on a 6-bit boundary): vary the length until so.
        var token = Enumerable.Range(0, 3)
            .Select(extra => _alice.Token(AuthorizationVerb.Upload, [Hash], content: "upload???" + new string('.', extra)))
            .First(t => NostrSigner.Header(t, urlSafe: false, padded: true) is var standard
                && standard.EndsWith('=') && standard.IndexOfAny(['+', '/']) >= 0);
        using var request = BlossomRequests.Upload(_data, null);
        request.Headers.TryAddWithoutValidation("Authorization", NostrSigner.Header(token, urlSafe, padded));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
    }

    [Theory]
    [InlineData("Blossom:PublicUrl", "https://blobs.example.com/", "blobs.example.com")]
    [InlineData("Blossom:Auth:ServerNames:0", "alias.example.org", "https://ALIAS.example.org")]
    public async Task Put_ServerTagNamingAConfiguredName_Accepted(string setting, string value, string serverTag)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { [setting] = value });
        var client = app.Start();
        using var request = BlossomRequests.Upload(_data, _alice.Token(AuthorizationVerb.Upload, [Hash], servers: ["cdn.example.com", serverTag]));

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
    }

    // A token scoped to another server was accepted here when sent with that server's name as Host.
    [Fact]
    public async Task Put_ServerTagMatchingOnlyTheHostHeader_401NamingTheSettings()
    {
        using var request = BlossomRequests.Upload(_data, _alice.Token(AuthorizationVerb.Upload, [Hash], servers: ["victim.example.com"]));
        request.Headers.Host = "victim.example.com";

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().Contain("PublicUrl").And.Contain("Auth:ServerNames");
        (await _client.GetAsync($"/{Hash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    // The compliance suite and local clients scope tokens to the host they were pointed at.
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Put_DefaultsOnLoopback_AcceptsTheListenAddressAndLocalhost(string serverTag)
    {
        using var request = BlossomRequests.Upload(_data, _alice.Token(AuthorizationVerb.Upload, [Hash], servers: [serverTag]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
    }

    [Fact]
    public async Task Put_ServerTagNamingNoneOfTheNames_401ListingThem()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Auth:ServerNames:0"] = "blobs.example.com" });
        var client = app.Start();
        using var request = BlossomRequests.Upload(_data, _alice.Token(AuthorizationVerb.Upload, [Hash], servers: ["other.example.com"]));

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().Be("Authorization event is not scoped to this server (blobs.example.com, 127.0.0.1, localhost); its operator adds names with PublicUrl or Auth:ServerNames");
    }

    [Fact]
    public async Task Put_ExpirationWithinMaxTokenLifetime_Accepted()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = BlossomRequests.Upload(_data, _alice.Token(AuthorizationVerb.Upload, [Hash], expiration: now + 29 * 86_400));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
    }

    [Fact]
    public async Task Put_TokenWithExtraFieldsAndSeveralX_Accepted()
    {
        var token = _alice.Token(AuthorizationVerb.Upload, [new string('0', 64), Hash]);
        var json = JsonSerializer.SerializeToNode(token)!.AsObject();
        json["relays"] = "unknown fields are ignored";
        using var request = BlossomRequests.Upload(_data, null);
        request.Headers.TryAddWithoutValidation("Authorization", "Nostr " + Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString())));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    private static string Header(NostrEvent e) => NostrSigner.Header(e);
}
