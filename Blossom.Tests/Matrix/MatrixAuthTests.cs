using System.Net;
using System.Text.Json;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Matrix;

/// <summary>One Matrix server and homeserver for the token tests; each test logs in users of its own.</summary>
public sealed class MatrixServerFixture : IAsyncLifetime
{
    internal MatrixTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await MatrixTestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Matrix access tokens checked with the homeserver, and errors in Matrix form on every /_matrix route.</summary>
public sealed class MatrixAuthTests(MatrixServerFixture fixture) : IClassFixture<MatrixServerFixture>
{
    private MatrixTestServer Server => fixture.Server;
    private HttpClient Client => fixture.Server.Client;

    [Theory]
    [InlineData("POST", "/_matrix/media/v3/upload")]
    [InlineData("POST", "/_matrix/media/v1/create")]
    [InlineData("GET", "/_matrix/media/v3/config")]
    [InlineData("GET", "/_matrix/client/v1/media/config")]
    [InlineData("GET", "/_matrix/client/v1/media/download/example.org/abcdefghijklmnopqrstuvwx")]
    [InlineData("GET", "/_matrix/client/v1/media/thumbnail/example.org/abcdefghijklmnopqrstuvwx?width=32&height=32")]
    [InlineData("PUT", "/_matrix/media/v3/upload/example.org/abcdefghijklmnopqrstuvwx")]
    public async Task MatrixRoute_NoToken_401MissingToken(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : new ByteArrayContent([1, 2, 3]) };

        using var response = await Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Upload_UnknownToken_401UnknownToken()
    {
        using var response = await Client.SendAsync(MatrixRequests.Upload([1, 2, 3], "syt_nobody_knows_this"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task Upload_GuestToken_401UnknownToken()
    {
        var guest = Server.Homeserver.Login("@guest1:example.org", isGuest: true);

        using var response = await Client.SendAsync(MatrixRequests.Upload([1, 2, 3], guest));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task Upload_HomeserverDown_502AndNothingStored()
    {
        var token = Server.Homeserver.Login("@downcase:example.org");
        Server.Homeserver.Down = true;
        try
        {
            using var response = await Client.SendAsync(MatrixRequests.Upload([9, 9, 9], token));

            response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
            var (errcode, error, _) = await response.MatrixErrorAsync();
            errcode.Should().Be("M_UNKNOWN");
            error.Should().Contain("Homeserver unreachable");
        }
        finally
        {
            Server.Homeserver.Down = false;
        }
        using var config = await Client.SendAsync(MatrixRequests.Get("/_matrix/media/v3/config", token));
        config.StatusCode.Should().Be(HttpStatusCode.OK, "the homeserver is back and the token is valid");
    }

    [Fact]
    public async Task Config_SameTokenTwice_HomeserverAskedOnce()
    {
        var token = Server.Homeserver.Login("@cached:example.org");
        var before = Server.Homeserver.WhoAmICalls;

        using var first = await Client.SendAsync(MatrixRequests.Get("/_matrix/media/v3/config", token));
        using var second = await Client.SendAsync(MatrixRequests.Get("/_matrix/client/v1/media/config", token));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        (Server.Homeserver.WhoAmICalls - before).Should().Be(1);
    }

    [Fact]
    public async Task Config_LegacyRouteAccessTokenQuery_Accepted()
    {
        var token = Server.Homeserver.Login("@query:example.org");

        using var response = await Client.GetAsync($"/_matrix/media/v3/config?access_token={token}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("m.upload.size").GetInt64().Should().BePositive();
    }

    [Fact]
    public async Task Config_AuthenticatedRouteAccessTokenQuery_401MissingToken()
    {
        var token = Server.Homeserver.Login("@query2:example.org");

        using var response = await Client.GetAsync($"/_matrix/client/v1/media/config?access_token={token}");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Upload_BrowserPreflight_AllowsPostWithAuthorization()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/_matrix/media/v3/upload");
        request.Headers.Add("Origin", "https://app.element.io");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await Client.SendAsync(request);

        response.IsSuccessStatusCode.Should().BeTrue();
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        response.Headers.GetValues("Access-Control-Allow-Methods").Single().Split(", ").Should().Contain("POST");
        response.Headers.GetValues("Access-Control-Allow-Headers").Single().Split(", ").Should().Contain("Authorization");
    }

    [Fact]
    public async Task UnknownMatrixRoute_404Unrecognized()
    {
        using var response = await Client.GetAsync("/_matrix/media/v3/nothing-here");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNRECOGNIZED");
        response.Headers.Contains("X-Reason").Should().BeFalse();
    }

    [Fact]
    public async Task MatrixRoute_WrongVerb_405Unrecognized()
    {
        using var response = await Client.DeleteAsync("/_matrix/media/v3/upload");

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNRECOGNIZED");
    }

    [Fact]
    public async Task BlossomRoute_NotFound_KeepsXReason()
    {
        using var response = await Client.GetAsync($"/{new string('a', 64)}");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Reason().Should().NotBeNull();
    }

    [Fact]
    public async Task Info_MatrixOn_SaysSoWithServerName()
    {
        var info = JsonDocument.Parse(await Client.GetStringAsync("/info")).RootElement.GetProperty("matrix");

        info.GetProperty("enabled").GetBoolean().Should().BeTrue();
        info.GetProperty("serverName").GetString().Should().Be(MatrixTestServer.ServerName);
    }
}

/// <summary>What a server without the Matrix API (the default) and with tight rate limits answers.</summary>
public sealed class MatrixOffAndRateLimitTests
{
    [Fact]
    public async Task MatrixRoutes_MatrixOff_NotServedAndInfoSaysOff()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        using var response = await client.GetAsync("/_matrix/media/v3/config");
        var info = JsonDocument.Parse(await client.GetStringAsync("/info")).RootElement.GetProperty("matrix");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNRECOGNIZED");
        info.GetProperty("enabled").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Create_OverRateLimit_429LimitExceededWithRetryAfterMs()
    {
        await using var server = await MatrixTestServer.StartAsync(new() { ["Blossom:RateLimit:PerIpPerMinute"] = "2" });
        var token = server.Homeserver.Login("@hasty:example.org");
        for (var i = 0; i < 2; i++)
            await server.Client.CreateAsync(token);

        using var response = await server.Client.SendAsync(MatrixRequests.Create(token));

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var (errcode, _, body) = await response.MatrixErrorAsync();
        errcode.Should().Be("M_LIMIT_EXCEEDED");
        body.GetProperty("retry_after_ms").GetInt64().Should().BePositive();
    }
}
