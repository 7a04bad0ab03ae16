using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Policy;

/// <summary>Quota, rate limits, reports and the operator API, each refusal with its status and reason.</summary>
public sealed class PolicyTests
{
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _operator = new();

    [Fact]
    public async Task Quota_UploadBeyondIt_413WithReason_ReuploadOfOwnBlobStillFine()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:QuotaBytesPerPubkey"] = "3000" });
        var client = app.Start();
        var first = BlossomRequests.RandomBlob(2000);
        await client.UploadAsync(_alice, first);

        var second = BlossomRequests.RandomBlob(2000);
        using var refused = await client.SendAsync(BlossomRequests.Upload(second, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(second)])));
        using var again = await client.SendAsync(BlossomRequests.Upload(first, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(first)])));

        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        refused.Reason().Should().Be("Storage quota exceeded: your blobs take 2000 of 3000 bytes and this one needs 2000");
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ListCountAsync(client, _alice.Pubkey)).Should().Be(1);
    }

    [Fact]
    public async Task Quota_ChunkedBodyWithoutLength_CheckedOnTheReceivedSize()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:QuotaBytesPerPubkey"] = "1000" });
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(2000);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/upload") { Content = new StreamContent(new MemoryStream(data)) };
        request.Headers.TransferEncodingChunked = true;
        request.WithToken(_alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]));

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await client.GetAsync($"/{BlossomRequests.Sha256(data)}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Quota_TwentyConcurrentUploads_StoredTotalStaysWithinIt()
    {
        const int quota = 1024 * 1024;
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:QuotaBytesPerPubkey"] = quota.ToString(CultureInfo.InvariantCulture) });
        var client = app.Start();
        var blobs = Enumerable.Range(0, 20).Select(_ => BlossomRequests.RandomBlob(100 * 1024)).ToList();
        // Each request expects 100-continue, so its body is asked for only once the server has
        // decided on its quota; every body is then held until each request is either asked for or
        // answered, so all twenty decisions come before any blob lands. The wait for the server's
        // 100 Continue is not cut short, or a slow decision would let a body go out before it.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(5) };
        using var expectingClient = new HttpClient(handler) { BaseAddress = client.BaseAddress };
        var decided = new DecisionBarrier(blobs.Count);

        var responses = await Task.WhenAll(blobs.Select(async data =>
        {
            var arrival = decided.NewArrival();
            using var request = new HttpRequestMessage(HttpMethod.Put, "/upload") { Content = new HeldContent(data, arrival, decided.AllArrived) };
            request.Headers.ExpectContinue = true;
            request.Headers.Add("X-SHA-256", BlossomRequests.Sha256(data));
            using var response = await expectingClient.SendAsync(request.WithToken(_alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
            arrival.Arrive();
            return (response.StatusCode, Reason: response.Reason());
        }));

        var listed = await client.GetFromJsonAsync<JsonElement>($"/list/{_alice.Pubkey}");
        var stored = listed.EnumerateArray().Sum(b => b.GetProperty("size").GetInt64());
        stored.Should().BeLessThanOrEqualTo(quota);
        // Ten fit, and the ten admitted before their bodies all land: the room they hold is not
        // checked again against blobs of the others that are committed but not yet released.
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).Should().Be(listed.GetArrayLength()).And.Be(10);
        responses.Where(r => r.StatusCode != HttpStatusCode.Created).Should().AllSatisfy(r =>
        {
            r.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
            r.Reason.Should().StartWith("Storage quota exceeded:");
        });
    }

    [Fact]
    public async Task RateLimit_PerIp_429WithRetryAfter()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:RateLimit:PerIpPerMinute"] = "3" });
        var client = app.Start();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 4; i++)
        {
            var response = await client.GetAsync($"/list/{_alice.Pubkey}");
            statuses.Add(response.StatusCode);
            limited = response;
        }

        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        limited!.Headers.RetryAfter!.Delta.Should().BePositive();
        limited.Reason().Should().Be("Too many requests; slow down");
        limited.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        (await client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "health checks are never limited");
    }

    [Fact]
    public async Task RateLimit_PerPubkey_CountsTokensNotAddresses()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:RateLimit:PerPubkeyPerMinute"] = "2" });
        var client = app.Start();
        for (var i = 0; i < 2; i++)
            await client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        var data = BlossomRequests.RandomBlob();
        using var third = await client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
        var bob = new NostrSigner();

        third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        third.Headers.RetryAfter!.Delta.Should().BePositive();
        (await client.UploadAsync(bob, BlossomRequests.RandomBlob())).Should().NotBeNull("another pubkey from the same address is not limited");
    }

    [Fact]
    public async Task Report_SignedEvent_KeptForTheOperator()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        var reporter = new NostrSigner();
        var report = reporter.Sign(1984, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), [["x", blob.Sha256, "illegal"], ["p", _alice.Pubkey]], "This is not allowed");

        using var response = await client.PutAsync("/report", Json(report));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<ReportReceipt>())!.Reported.Should().Equal(blob.Sha256);
        var reports = await client.SendAsync(Admin(HttpMethod.Get, "/admin/reports"));
        var listed = (await reports.Content.ReadFromJsonAsync<AdminReport[]>())!;
        listed.Should().ContainSingle();
        listed[0].Should().BeEquivalentTo(new { Id = report.Id, Sha256 = blob.Sha256, Reporter = reporter.Pubkey, Type = "illegal", Content = "This is not allowed" });
        var detail = (await (await client.SendAsync(Admin(HttpMethod.Get, $"/admin/blobs/{blob.Sha256}"))).Content.ReadFromJsonAsync<AdminBlob>())!;
        detail.Owners.Should().Equal(_alice.Pubkey);
        detail.Reports.Should().ContainSingle();
    }

    [Theory]
    [InlineData("bad signature", "Report event signature is invalid")]
    [InlineData("tampered", "Report event id does not match its content")]
    [InlineData("wrong kind", "A report is a kind 1984 event (NIP-56)")]
    [InlineData("no x tags", "A report names the blobs it reports in x tags")]
    [InlineData("not json", "The body must be a signed Nostr report event (kind 1984) in JSON")]
    public async Task Report_Invalid_400WithReason(string what, string reason)
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var hash = new string('a', 64);
        var report = _alice.Sign(what == "wrong kind" ? 1 : 1984, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), what == "no x tags" ? [["p", _alice.Pubkey]] : [["x", hash, "spam"]], "spam");
        HttpContent body = what switch
        {
            "bad signature" => Json(report with { Sig = new string('0', 128) }),
            "tampered" => Json(report with { Content = "changed" }),
            "not json" => new StringContent("not json"),
            _ => Json(report),
        };

        using var response = await client.PutAsync("/report", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().Be(reason);
    }

    [Fact]
    public async Task Admin_OnlyConfiguredOperators_401Then403()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();

        (await client.GetAsync("/admin/blobs")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var stranger = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/blobs").WithToken(_alice.Token(AuthorizationVerb.Admin)));
        stranger.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        stranger.Reason().Should().Contain("Admin:Pubkeys");
        using var wrongVerb = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/blobs").WithToken(_operator.Token(AuthorizationVerb.List)));
        wrongVerb.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Admin_ListsBlobsWithOwners_AndDeletesOneForEveryone()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();
        var bob = new NostrSigner();
        var data = BlossomRequests.RandomBlob();
        var blob = await client.UploadAsync(_alice, data);
        await client.UploadAsync(bob, data);

        var all = (await (await client.SendAsync(Admin(HttpMethod.Get, "/admin/blobs"))).Content.ReadFromJsonAsync<AdminBlob[]>())!;
        using var deleted = await client.SendAsync(Admin(HttpMethod.Delete, $"/admin/blobs/{blob.Sha256}"));

        all.Should().ContainSingle().Which.Owners.Should().BeEquivalentTo([_alice.Pubkey, bob.Pubkey]);
        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await client.GetAsync($"/{blob.Sha256}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await ListCountAsync(client, bob.Pubkey)).Should().Be(0);
    }

    [Fact]
    public async Task Admin_BlockedPubkey_403OnUpload_UntilUnblocked()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();
        using var block = Admin(HttpMethod.Put, $"/admin/blocked/{_alice.Pubkey}");
        block.Content = new StringContent("{\"reason\":\"spam\"}", Encoding.UTF8, "application/json");
        (await client.SendAsync(block)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var data = BlossomRequests.RandomBlob();

        using var refused = await client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Reason().Should().Be("Your pubkey is blocked on this server");
        using var mirror = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/mirror") { Content = new StringContent("{\"url\":\"https://example.com/x\"}") }
            .WithToken(_alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
        mirror.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        (await client.SendAsync(Admin(HttpMethod.Delete, $"/admin/blocked/{_alice.Pubkey}"))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await client.UploadAsync(_alice, data)).Sha256.Should().Be(BlossomRequests.Sha256(data));
    }

    // With tokens optional, a blocked pubkey still uploaded by sending its valid token.
    [Theory]
    [InlineData("/upload")]
    [InlineData("/mirror")]
    [InlineData("/media")]
    public async Task TokensOptional_BlockedPubkeySendingItsToken_403(string path)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Upload:RequireAuth"] = "false",
            ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey,
            ["Blossom:Mirror:AllowPrivateNetworks"] = "true",
        });
        var client = app.Start();
        using var block = Admin(HttpMethod.Put, $"/admin/blocked/{_alice.Pubkey}");
        block.Content = new StringContent("{\"reason\":\"spam\"}", Encoding.UTF8, "application/json");
        (await client.SendAsync(block)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var data = BlossomRequests.RandomBlob();

        using var response = await client.SendAsync(OptionalTokenRequest(path, data, _alice.Token(path == "/media" ? AuthorizationVerb.Media : AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Be("Your pubkey is blocked on this server");
        (await client.GetAsync($"/{BlossomRequests.Sha256(data)}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    // A token that is sent must be valid even where none is needed, rather than be ignored.
    [Theory]
    [InlineData("/upload")]
    [InlineData("/mirror")]
    [InlineData("/media")]
    public async Task TokensOptional_InvalidToken_401_AnonymousUploadStillAccepted(string path)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:RequireAuth"] = "false", ["Blossom:Mirror:AllowPrivateNetworks"] = "true" });
        var client = app.Start();
        var data = BlossomRequests.RandomBlob();
        var expired = _alice.Token(path == "/media" ? AuthorizationVerb.Media : AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)], expiration: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1);

        using var response = await client.SendAsync(OptionalTokenRequest(path, data, expired));
        using var anonymous = await client.SendAsync(BlossomRequests.Upload(data, null));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().Be("Authorization event has expired");
        anonymous.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    /// <summary>An upload, mirror (of an origin nothing listens on) or media request for <paramref name="data"/>.</summary>
    private static HttpRequestMessage OptionalTokenRequest(string path, byte[] data, NostrEvent token) => path switch
    {
        "/upload" => BlossomRequests.Upload(data, token),
        "/mirror" => new HttpRequestMessage(HttpMethod.Put, "/mirror") { Content = new StringContent("{\"url\":\"http://127.0.0.1:1/blob.bin\"}", Encoding.UTF8, "application/json") }.WithToken(token),
        _ => Media.MediaRequests.Put(data, "image/png", token),
    };

    private HttpRequestMessage Admin(HttpMethod method, string path) => new HttpRequestMessage(method, path).WithToken(_operator.Token(AuthorizationVerb.Admin));

    private static StringContent Json(NostrEvent e) => new(JsonSerializer.Serialize(e), Encoding.UTF8, "application/json");

    /// <summary>How many blobs a pubkey's list shows.</summary>
    private static async Task<int> ListCountAsync(HttpClient client, string pubkey) =>
        (await client.GetFromJsonAsync<JsonElement>($"/list/{pubkey}")).GetArrayLength();

    /// <summary>Opens once each of <c>count</c> participants arrived (each counted once, however often it calls).</summary>
    private sealed class DecisionBarrier(int count)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public Task AllArrived => _all.Task;

        public Arrival NewArrival() => new(this);

        private void Count()
        {
            if (Interlocked.Increment(ref _arrived) == count)
                _all.TrySetResult();
        }

        public sealed class Arrival(DecisionBarrier barrier)
        {
            private int _done;

            public void Arrive()
            {
                if (Interlocked.Exchange(ref _done, 1) == 0)
                    barrier.Count();
            }
        }
    }

    /// <summary>A body that arrives when it is asked for, and is sent once <paramref name="release"/> completes.</summary>
    private sealed class HeldContent(byte[] data, DecisionBarrier.Arrival arrival, Task release) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            arrival.Arrive();
            await release.WaitAsync(cancellationToken);
            await stream.WriteAsync(data, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = data.Length;
            return true;
        }
    }
}
