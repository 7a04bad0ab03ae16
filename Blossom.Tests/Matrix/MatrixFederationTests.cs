using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Federation;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Matrix;

/// <summary>
/// Media across Matrix servers with two instances of this server, each the media repository of its own
/// server name (a.test, b.test) beside a stand-in for its homeserver that publishes the homeserver's
/// key and, as its reverse proxy would, sends the media routes to it. A's users get B's media over
/// signed federation requests; B checks A's signature with the key A's homeserver publishes.
/// </summary>
public sealed class MatrixFederationTests
{
    [Fact]
    public async Task RemoteMedia_DownloadAndThumbnail_OnBothClientFamilies_ThenFromTheCacheWithTheRemoteStopped()
    {
        await using var servers = await FederatedServers.StartAsync();
        var image = MediaSamples.PngWithAlpha(800, 600);
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), image, "image/png", "cat.png");
        var bob = servers.HomeA.Login("@bob:a.test");
        var path = MatrixRequests.PathOf(mxc);

        foreach (var download in new[] { MatrixRequests.Get($"/_matrix/client/v1/media/download/{path}", bob), MatrixRequests.Get($"/_matrix/media/v3/download/{path}") })
        {
            using var response = await servers.A.Client.SendAsync(download);
            var body = await response.Content.ReadAsByteArrayAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, Encoding.UTF8.GetString(body));
            body.Should().Equal(image);
            response.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
            response.Content.Headers.ContentDisposition!.FileName.Should().Contain("cat.png");
        }
        foreach (var thumbnail in new[] { MatrixRequests.Get($"/_matrix/client/v1/media/thumbnail/{path}?width=96&height=96&method=scale", bob), MatrixRequests.Get($"/_matrix/media/v3/thumbnail/{path}?width=96&height=96") })
        {
            using var response = await servers.A.Client.SendAsync(thumbnail);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            response.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
            using var decoded = NetVips.Image.NewFromBuffer(await response.Content.ReadAsByteArrayAsync());
            Math.Max(decoded.Width, decoded.Height).Should().BeLessThanOrEqualTo(96);
        }
        servers.HomeB.FederationMediaRequests.Should().Be(1, "the media is fetched once and thumbnailed here from the cached original");
        servers.HomeA.KeyRequests.Should().Be(1, "B fetched A's key once, from A's homeserver, to check A's signed request");

        servers.B.App.Dispose();
        using var cached = await servers.A.Client.SendAsync(MatrixRequests.Get($"/_matrix/client/v1/media/download/{path}", bob));
        cached.StatusCode.Should().Be(HttpStatusCode.OK);
        (await cached.Content.ReadAsByteArrayAsync()).Should().Equal(image);
        using var cachedThumbnail = await servers.A.Client.SendAsync(MatrixRequests.Get($"/_matrix/media/v3/thumbnail/{path}?width=320&height=240"));
        cachedThumbnail.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AllowRemoteFalse_MediaNotCached_404WithoutAskingTheRemote()
    {
        await using var servers = await FederatedServers.StartAsync();
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), BlossomRequests.RandomBlob(2000));

        using var response = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}?allow_remote=false");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_NOT_FOUND");
        servers.HomeB.FederationMediaRequests.Should().Be(0);
    }

    [Fact]
    public async Task FederationDownload_SignedByTheOrigin_MultipartWithMetadataThenTheBytes()
    {
        await using var servers = await FederatedServers.StartAsync();
        var data = BlossomRequests.RandomBlob(3000);
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), data, "application/pdf", "paper.pdf");
        var route = $"/_matrix/federation/v1/media/download/{mxc.Split('/')[^1]}";

        using var response = await servers.B.Client.SendAsync(Signed(route, servers.HomeA.SigningKey));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var (metadata, part) = await ReadPartsAsync(response);
        metadata.Should().Be("{}");
        part.Headers["Content-Type"].ToString().Should().Be("application/pdf");
        part.Headers["Content-Disposition"].ToString().Should().Contain("paper.pdf");
        part.Body.Should().Equal(data);
    }

    [Fact]
    public async Task FederationRequest_UnsignedWronglySignedOrForAnotherServer_401Unauthorized()
    {
        await using var servers = await FederatedServers.StartAsync();
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), BlossomRequests.RandomBlob(100));
        var route = $"/_matrix/federation/v1/media/download/{mxc.Split('/')[^1]}";
        using var impostor = MatrixSigningKey.FromSeed("standin", new byte[32]);

        using var unsigned = await servers.B.Client.GetAsync(route);
        using var wronglySigned = await servers.B.Client.SendAsync(Signed(route, impostor));
        using var otherRoute = await servers.B.Client.SendAsync(Signed(route, servers.HomeA.SigningKey, signedUri: route + "?timeout_ms=1"));
        using var otherDestination = await servers.B.Client.SendAsync(Signed(route, servers.HomeA.SigningKey, destination: "c.test"));

        foreach (var refused in new[] { unsigned, wronglySigned, otherRoute, otherDestination })
        {
            refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await refused.MatrixErrorAsync()).Errcode.Should().Be("M_UNAUTHORIZED");
        }
    }

    [Fact]
    public async Task FederationRequest_KeyPastItsValidity_401Unauthorized()
    {
        await using var expired = await HomeserverStandIn.StartAsync("c.test");
        expired.KeyValidity = TimeSpan.FromHours(-1);
        await using var servers = await FederatedServers.StartAsync(b: new()
        {
            ["Blossom:Matrix:Federation:KnownServers:1:Name"] = "c.test",
            ["Blossom:Matrix:Federation:KnownServers:1:Url"] = expired.Url.ToString(),
        });
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), BlossomRequests.RandomBlob(100));
        var route = $"/_matrix/federation/v1/media/download/{mxc.Split('/')[^1]}";

        using var response = await servers.B.Client.SendAsync(Signed(route, expired.SigningKey, origin: "c.test"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNAUTHORIZED");
        expired.KeyRequests.Should().Be(1);
    }

    [Fact]
    public async Task DeniedServer_ItsRequests403Forbidden_ItsMediaNotFetched()
    {
        await using var servers = await FederatedServers.StartAsync(
            a: new() { ["Blossom:Matrix:Federation:DeniedServers:0"] = "b.test" },
            b: new() { ["Blossom:Matrix:Federation:DeniedServers:0"] = "a.test" });
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), BlossomRequests.RandomBlob(100));
        var route = $"/_matrix/federation/v1/media/download/{mxc.Split('/')[^1]}";

        using var request = await servers.B.Client.SendAsync(Signed(route, servers.HomeA.SigningKey));
        using var download = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");

        request.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await request.MatrixErrorAsync()).Errcode.Should().Be("M_FORBIDDEN");
        download.StatusCode.Should().Be(HttpStatusCode.NotFound);
        servers.HomeB.FederationMediaRequests.Should().Be(0, "A asks nothing of a server it denies");
        servers.HomeA.KeyRequests.Should().Be(0, "B refuses a denied origin before fetching its key");
    }

    [Fact]
    public async Task Remote_SlowTooLargeOrRedirectedToAPrivateAddress_RefusedWithItsMatrixError_NothingCached()
    {
        await using var servers = await FederatedServers.StartAsync(a: new()
        {
            ["Blossom:Matrix:Federation:RemoteFetchTimeoutSeconds"] = "2",
            ["Blossom:Matrix:Federation:RemoteMediaMaxBytes"] = "1000",
        });
        var cases = new (string MediaId, Func<HttpContext, Task> Remote, HttpStatusCode Status, string Errcode)[]
        {
            ("slow", context => Task.Delay(Timeout.Infinite, context.RequestAborted), HttpStatusCode.GatewayTimeout, "M_UNKNOWN"),
            ("large", context => HomeserverStandIn.WriteFederationMediaAsync(context, "application/octet-stream", new byte[5000]), HttpStatusCode.BadGateway, "M_TOO_LARGE"),
            ("lying", context => HomeserverStandIn.WriteFederationMediaAsync(context, "application/octet-stream", new byte[5000], declaredLength: 10), HttpStatusCode.BadGateway, "M_TOO_LARGE"),
            ("private", context => HomeserverStandIn.WriteFederationMediaAsync(context, location: $"http://127.0.0.1:{servers.B.App.BaseAddress.Port}/_matrix/media/v3/config"), HttpStatusCode.BadGateway, "M_UNKNOWN"),
            ("moved", context => { context.Response.StatusCode = StatusCodes.Status302Found; context.Response.Headers.Location = "http://10.0.0.1/"; return Task.CompletedTask; }, HttpStatusCode.BadGateway, "M_UNKNOWN"),
        };
        foreach (var (mediaId, remote, status, errcode) in cases)
        {
            servers.HomeB.MediaRoutes = remote;

            using var response = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/b.test/{mediaId}");
            using var cached = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/b.test/{mediaId}?allow_remote=false");

            response.StatusCode.Should().Be(status, mediaId);
            (await response.MatrixErrorAsync()).Errcode.Should().Be(errcode, mediaId);
            cached.StatusCode.Should().Be(HttpStatusCode.NotFound, $"{mediaId} was not cached");
        }
        Directory.EnumerateFiles(servers.A.App.StoragePath, "*", SearchOption.AllDirectories).Where(f => !f.Contains("tmp", StringComparison.OrdinalIgnoreCase)).Should().BeEmpty("no refused fetch left bytes behind");
        var metrics = await servers.A.Client.GetStringAsync("/metrics");
        foreach (var (outcome, count) in new[] { ("timeout", 1), ("too_large", 2), ("failed", 2) })
            metrics.Should().MatchRegex($"blossom_matrix_remote_fetches(_fetch)?_total\\{{[^}}]*outcome=\"{outcome}\"[^}}]*\\}} {count}\\b");
    }

    [Fact]
    public async Task Remote_WithoutTheFederationRoute_FetchedFromTheLegacyDownload()
    {
        await using var servers = await FederatedServers.StartAsync();
        var data = BlossomRequests.RandomBlob(700);
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), data, "text/plain");
        servers.HomeB.MediaRoutes = async context =>
        {
            if (context.Request.Path.StartsWithSegments("/_matrix/federation", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["errcode"] = "M_UNRECOGNIZED", ["error"] = "Unrecognized request" });
                return;
            }
            context.Request.Query["allow_remote"].ToString().Should().Be("false");
            await servers.HomeB.ForwardAsync(context);
        };

        using var response = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        servers.HomeB.FederationMediaRequests.Should().Be(2, "the federation route, then the legacy one");
    }

    [Fact]
    public async Task Quarantine_LocalAndRemoteMediaAndWholeServers_404OnEveryRoute_UntilLifted_PurgeRefetches()
    {
        var operatorKey = new NostrSigner();
        var admin = new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = operatorKey.Pubkey };
        await using var servers = await FederatedServers.StartAsync(a: admin, b: admin);
        var alice = servers.HomeB.Login("@alice:b.test");
        var bob = servers.HomeA.Login("@bob:a.test");
        var first = await servers.B.Client.UploadAsync(alice, BlossomRequests.RandomBlob(500));
        var second = await servers.B.Client.UploadAsync(alice, BlossomRequests.RandomBlob(500));
        HttpRequestMessage Admin(HttpMethod method, string path) => new HttpRequestMessage(method, path).WithToken(operatorKey.Token(AuthorizationVerb.Admin));
        async Task<HttpStatusCode> DownloadOnA(string mxc)
        {
            using var response = await servers.A.Client.SendAsync(MatrixRequests.Get($"/_matrix/client/v1/media/download/{MatrixRequests.PathOf(mxc)}", bob));
            return response.StatusCode;
        }
        (await DownloadOnA(first)).Should().Be(HttpStatusCode.OK);

        // Remote media quarantined on A: gone from A's routes and its cache, still served by B.
        using (var quarantine = await servers.A.Client.SendAsync(Admin(HttpMethod.Put, $"/admin/matrix/quarantine/{MatrixRequests.PathOf(first)}")))
            quarantine.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await DownloadOnA(first)).Should().Be(HttpStatusCode.NotFound);
        using (var thumbnail = await servers.A.Client.GetAsync($"/_matrix/media/v3/thumbnail/{MatrixRequests.PathOf(first)}?width=32&height=32"))
            thumbnail.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using (var cache = await servers.A.Client.SendAsync(Admin(HttpMethod.Get, "/admin/matrix/remote-media")))
            JsonDocument.Parse(await cache.Content.ReadAsStringAsync()).RootElement.GetProperty("count").GetInt64().Should().Be(0);

        // Local media quarantined on B: 404 to B's own users and over federation.
        using (var quarantine = await servers.B.Client.SendAsync(Admin(HttpMethod.Put, $"/admin/matrix/quarantine/{MatrixRequests.PathOf(second)}")))
            quarantine.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var local = await servers.B.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(second)}"))
            local.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using (var federated = await servers.B.Client.SendAsync(Signed($"/_matrix/federation/v1/media/download/{second.Split('/')[^1]}", servers.HomeA.SigningKey)))
            federated.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await DownloadOnA(second)).Should().Be(HttpStatusCode.NotFound);

        // A whole server quarantined on A, then lifted: its media come back, fetched again.
        using (var quarantine = await servers.A.Client.SendAsync(Admin(HttpMethod.Put, "/admin/matrix/quarantine/b.test")))
            quarantine.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var lifted = await servers.A.Client.SendAsync(Admin(HttpMethod.Delete, $"/admin/matrix/quarantine/{MatrixRequests.PathOf(first)}")))
            lifted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await DownloadOnA(first)).Should().Be(HttpStatusCode.NotFound, "the whole server is still quarantined");
        using (var list = await servers.A.Client.SendAsync(Admin(HttpMethod.Get, "/admin/matrix/quarantine")))
            JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(q => q.GetProperty("mediaId").ValueKind).Should().Equal(JsonValueKind.Null);
        using (var lifted = await servers.A.Client.SendAsync(Admin(HttpMethod.Delete, "/admin/matrix/quarantine/b.test")))
            lifted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        var fetchesBefore = servers.HomeB.FederationMediaRequests;
        (await DownloadOnA(first)).Should().Be(HttpStatusCode.OK);
        servers.HomeB.FederationMediaRequests.Should().Be(fetchesBefore + 1);

        // Purge: the cache forgets it, the next download fetches it again.
        using (var purge = await servers.A.Client.SendAsync(Admin(HttpMethod.Post, "/admin/matrix/remote-media/purge?server=b.test")))
            JsonDocument.Parse(await purge.Content.ReadAsStringAsync()).RootElement.GetProperty("removed").GetInt32().Should().Be(1);
        (await DownloadOnA(first)).Should().Be(HttpStatusCode.OK);
        servers.HomeB.FederationMediaRequests.Should().Be(fetchesBefore + 2);
        servers.HomeA.KeyRequests.Should().Be(1, "B keeps A's key until its valid_until_ts");
    }

    [Fact]
    public async Task RemoteTooLargeToFetch_ItsThumbnailFetchedFromTheRemote_KeptInTheCache()
    {
        var image = MediaSamples.PngWithAlpha(800, 600);
        await using var servers = await FederatedServers.StartAsync(a: new() { ["Blossom:Matrix:Federation:RemoteMediaMaxBytes"] = (image.Length - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), image, "image/png");
        var path = MatrixRequests.PathOf(mxc);

        using var download = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{path}");
        download.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await download.MatrixErrorAsync()).Errcode.Should().Be("M_TOO_LARGE");
        for (var i = 0; i < 2; i++)
        {
            using var thumbnail = await servers.A.Client.GetAsync($"/_matrix/media/v3/thumbnail/{path}?width=90&height=90&method=scale");
            thumbnail.StatusCode.Should().Be(HttpStatusCode.OK, await thumbnail.Content.ReadAsStringAsync());
            using var decoded = NetVips.Image.NewFromBuffer(await thumbnail.Content.ReadAsByteArrayAsync());
            Math.Max(decoded.Width, decoded.Height).Should().BeLessThanOrEqualTo(96);
        }
        servers.HomeB.FederationMediaRequests.Should().Be(2, "the download that proved too large, then one thumbnail, kept");
    }

    [Fact]
    public async Task RemoteByIpLiteral_OnTheAddressOfAKnownServer_RefusedByTheOutboundGuard()
    {
        await using var servers = await FederatedServers.StartAsync();

        using var response = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/127.0.0.1:{servers.HomeB.Url.Port}/anything");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNKNOWN");
        servers.HomeB.FederationMediaRequests.Should().Be(0, "the operator trusted b.test's address for b.test, not for any name");
    }

    [Fact]
    public async Task TrustedKeyServer_VouchesForTheOriginsKey_TheOriginIsNotAsked()
    {
        await using var notary = await HomeserverStandIn.StartAsync("notary.test");
        await using var servers = await FederatedServers.StartAsync(b: new()
        {
            ["Blossom:Matrix:Federation:TrustedKeyServers:0"] = "notary.test",
            ["Blossom:Matrix:Federation:KnownServers:1:Name"] = "notary.test",
            ["Blossom:Matrix:Federation:KnownServers:1:Url"] = notary.Url.ToString(),
        });
        notary.Vouches["a.test"] = servers.HomeA;
        var data = BlossomRequests.RandomBlob(100);
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), data);

        using var response = await servers.B.Client.SendAsync(Signed($"/_matrix/federation/v1/media/download/{mxc.Split('/')[^1]}", servers.HomeA.SigningKey));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await ReadPartsAsync(response)).Part.Body.Should().Equal(data);
        notary.NotaryRequests.Should().Be(1);
        notary.KeyRequests.Should().Be(1, "the notary's own key comes from the notary");
        servers.HomeA.KeyRequests.Should().Be(0, "the notary vouched for a.test's key");
    }

    [Fact]
    public async Task RemoteFetches_BeyondTheConcurrencyLimit_429LimitExceeded()
    {
        await using var servers = await FederatedServers.StartAsync(a: new() { ["Blossom:Matrix:Federation:MaxConcurrentRemoteFetches"] = "1" });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var data = BlossomRequests.RandomBlob(100);
        servers.HomeB.MediaRoutes = async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await HomeserverStandIn.WriteFederationMediaAsync(context, "application/octet-stream", data);
        };

        var held = servers.A.Client.GetAsync("/_matrix/media/v3/download/b.test/held");
        await Poll.UntilAsync(() => servers.HomeB.FederationMediaRequests == 1, "the first fetch reaches b.test");
        using var refused = await servers.A.Client.GetAsync("/_matrix/media/v3/download/b.test/another");
        release.SetResult();
        using var first = await held;

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await refused.MatrixErrorAsync()).Errcode.Should().Be("M_LIMIT_EXCEEDED");
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        (await first.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task CacheOverItsByteLimit_TheLeastRecentlyServedLeave()
    {
        await using var servers = await FederatedServers.StartAsync(a: new() { ["Blossom:Matrix:Federation:RemoteCacheMaxBytes"] = "5000" });
        var alice = servers.HomeB.Login("@alice:b.test");
        var older = await servers.B.Client.UploadAsync(alice, BlossomRequests.RandomBlob(3000));
        var newer = await servers.B.Client.UploadAsync(alice, BlossomRequests.RandomBlob(3000));
        foreach (var mxc in new[] { older, newer })
        {
            using var fetched = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");
            fetched.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var removed = await servers.A.App.Services.GetRequiredService<Blossom.Core.Matrix.MatrixRemoteMediaService>().SweepAsync(CancellationToken.None);

        removed.Should().Be(1);
        using var gone = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(older)}?allow_remote=false");
        using var kept = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(newer)}?allow_remote=false");
        gone.StatusCode.Should().Be(HttpStatusCode.NotFound);
        kept.StatusCode.Should().Be(HttpStatusCode.OK);
        var service = servers.A.App.Services.GetRequiredService<Blossom.Core.Matrix.MatrixRemoteMediaService>();
        (await service.PurgeAsync(null, DateTimeOffset.UtcNow - TimeSpan.FromDays(1), CancellationToken.None)).Should().Be(0, "the media left was served just now");
        (await service.PurgeAsync(null, DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), CancellationToken.None)).Should().Be(1);
    }

    /// <summary>A federation GET signed as <paramref name="origin"/> (a.test) for <paramref name="destination"/> (b.test) over <paramref name="signedUri"/> (the route itself unless a test signs another).</summary>
    private static HttpRequestMessage Signed(string route, MatrixSigningKey key, string origin = "a.test", string destination = "b.test", string? signedUri = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, route);
        request.Headers.TryAddWithoutValidation("Authorization", XMatrixAuthorization.Create("GET", signedUri ?? route, origin, destination, null, key));
        return request;
    }

    private static async Task<(string Metadata, (Dictionary<string, Microsoft.Extensions.Primitives.StringValues> Headers, byte[] Body) Part)> ReadPartsAsync(HttpResponseMessage response)
    {
        var boundary = response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!.Trim('"');
        response.Content.Headers.ContentType.MediaType.Should().Be("multipart/mixed");
        var reader = new MultipartReader(boundary, await response.Content.ReadAsStreamAsync());
        var metadata = (await reader.ReadNextSectionAsync())!;
        metadata.ContentType.Should().Be("application/json");
        var json = await new StreamReader(metadata.Body).ReadToEndAsync();
        var media = (await reader.ReadNextSectionAsync())!;
        using var bytes = new MemoryStream();
        await media.Body.CopyToAsync(bytes);
        (await reader.ReadNextSectionAsync()).Should().BeNull("there are exactly two parts");
        return (json, (media.Headers!, bytes.ToArray()));
    }
}

/// <summary>Two homeservers, a.test and b.test, each with an instance of this server as its media repository, and each knowing where the other is.</summary>
internal sealed class FederatedServers : IAsyncDisposable
{
    private FederatedServers(MatrixTestServer a, MatrixTestServer b) => (A, B) = (a, b);

    public MatrixTestServer A { get; }

    public MatrixTestServer B { get; }

    public HomeserverStandIn HomeA => A.Homeserver;

    public HomeserverStandIn HomeB => B.Homeserver;

    public static async Task<FederatedServers> StartAsync(Dictionary<string, string?>? a = null, Dictionary<string, string?>? b = null)
    {
        var homeA = await HomeserverStandIn.StartAsync("a.test");
        var homeB = await HomeserverStandIn.StartAsync("b.test");
        var serverA = await MatrixTestServer.StartAsync(Settings(homeA, homeB, a), homeA);
        var serverB = await MatrixTestServer.StartAsync(Settings(homeB, homeA, b), homeB);
        return new FederatedServers(serverA, serverB);
    }

    /// <summary>The media repository of <paramref name="own"/>, signing with its key, with <paramref name="other"/> known by its URL.</summary>
    private static Dictionary<string, string?> Settings(HomeserverStandIn own, HomeserverStandIn other, Dictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Blossom:Matrix:SigningKeyPath"] = own.SigningKeyPath,
            ["Blossom:Matrix:Federation:KnownServers:0:Name"] = other.ServerName,
            ["Blossom:Matrix:Federation:KnownServers:0:Url"] = other.Url.ToString(),
        };
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
