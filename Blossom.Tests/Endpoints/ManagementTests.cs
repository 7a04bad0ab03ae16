using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>BUD-12: GET /list/&lt;pubkey&gt; and DELETE /&lt;sha256&gt;.</summary>
public sealed partial class ManagementTests : IDisposable
{
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();

    public ManagementTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task List_NewestFirst_PagedByCursorAndLimit()
    {
        var uploaded = new List<BlobDescriptor>();
        for (var i = 0; i < 7; i++)
            uploaded.Add(await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(100 + i)));
        await _client.UploadAsync(_bob, BlossomRequests.RandomBlob());
        var expected = uploaded.OrderByDescending(b => b.Uploaded).ThenByDescending(b => b.Sha256, StringComparer.Ordinal).ToList();

        var all = await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}");
        var pages = new List<BlobDescriptor>();
        string? cursor = null;
        BlobDescriptor[] page;
        do
        {
            page = (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}?limit=3" + (cursor is null ? "" : $"&cursor={cursor}")))!;
            page.Length.Should().BeLessThanOrEqualTo(3);
            pages.AddRange(page);
            cursor = page.LastOrDefault()?.Sha256;
        } while (page.Length > 0);

        all.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        pages.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task List_SinceUntil_FilterByUploadTime()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}?since={blob.Uploaded}&until={blob.Uploaded}")).Should().BeEquivalentTo([blob]);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}?since={blob.Uploaded + 1}")).Should().BeEmpty();
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}?until={blob.Uploaded - 1}")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("nothex", "")]
    [InlineData("VALID", "?cursor=abc")]
    [InlineData("VALID", "?limit=0")]
    [InlineData("VALID", "?limit=ten")]
    [InlineData("VALID", "?since=yesterday")]
    [InlineData("VALID", "?cursor=1111111111111111111111111111111111111111111111111111111111111111")]
    public async Task List_MalformedQuery_400(string pubkey, string query)
    {
        using var response = await _client.GetAsync($"/list/{(pubkey == "VALID" ? _alice.Pubkey : pubkey)}{query}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task List_RequireAuth_401WithoutAnd200WithListToken()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:List:RequireAuth"] = "true" });
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        using var anonymous = await client.GetAsync($"/list/{_alice.Pubkey}");
        using var wrongVerb = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/list/{_alice.Pubkey}").WithToken(_bob.Token(AuthorizationVerb.Upload)));
        using var authorized = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/list/{_alice.Pubkey}").WithToken(_bob.Token(AuthorizationVerb.List)));

        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        wrongVerb.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        authorized.StatusCode.Should().Be(HttpStatusCode.OK);
        (await authorized.Content.ReadFromJsonAsync<BlobDescriptor[]>()).Should().Equal(blob);
    }

    [Fact]
    public async Task Delete_ByOwner_204AndBlobGone()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        using var response = await _client.SendAsync(Delete(blob.Sha256, _alice));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
        Directory.EnumerateFiles(_app.StoragePath, blob.Sha256, SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Delete_SharedBlob_SurvivesUntilLastOwnerDeletes()
    {
        var data = BlossomRequests.RandomBlob();
        var blob = await _client.UploadAsync(_alice, data);
        await _client.UploadAsync(_bob, data);

        using var first = await _client.SendAsync(Delete(blob.Sha256, _alice));
        var afterFirst = await _client.GetAsync(blob.Url);
        using var second = await _client.SendAsync(Delete(blob.Sha256, _bob));

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        afterFirst.StatusCode.Should().Be(HttpStatusCode.OK);
        (await afterFirst.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
        second.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_ByNonOwner_403AndBlobKept()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        using var response = await _client.SendAsync(Delete(blob.Sha256, _bob));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Contain("owner");
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Delete_UnknownBlob_404()
    {
        using var response = await _client.SendAsync(Delete(new string('e', 64), _alice));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_TokenWithoutMatchingX_401()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        using var noX = new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}").WithToken(_alice.Token(AuthorizationVerb.Delete));
        using var otherX = new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}").WithToken(_alice.Token(AuthorizationVerb.Delete, [new string('e', 64)]));

        (await _client.SendAsync(noX)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await _client.SendAsync(otherX)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    // A client whose clock runs 5 s behind signs its delete "before" the upload it just made.
    [Fact]
    public async Task Delete_RightAfterUploadWithTheClientClockSecondsBehind_204()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        var slowClock = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5;

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256], createdAt: slowClock)));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent, response.Reason());
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    // The tolerance is Auth:ClockSkewSeconds (60 s by default): a token signed earlier than that
    // before the owner's upload is still a replay.
    [Fact]
    public async Task Delete_TokenSignedMoreThanTheClockSkewBeforeTheUpload_403AndBlobKept()
    {
        var beforeUpload = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256], createdAt: beforeUpload - 62)));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Be("This delete token was created before your latest upload of the blob; sign a new one (is your clock behind?)");
        (await _client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Delete_ClockSkewSetToZero_TokenSignedSecondsBeforeTheUpload403()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Auth:ClockSkewSeconds"] = "0" });
        var client = app.Start();
        var beforeUpload = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256], createdAt: beforeUpload - 2)));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.GetAsync(blob.Url)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static HttpRequestMessage Delete(string sha256, NostrSigner signer) =>
        new HttpRequestMessage(HttpMethod.Delete, $"/{sha256}.bin").WithToken(signer.Token(AuthorizationVerb.Delete, [sha256]));
}
