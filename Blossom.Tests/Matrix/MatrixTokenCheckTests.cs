using System.Net;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Matrix;

/// <summary>
/// How much of the homeserver an unauthenticated client can spend: unknown tokens are remembered
/// briefly, failed checks are limited per client address, and concurrent whoami calls are bounded.
/// </summary>
public sealed class MatrixTokenCheckTests
{
    private const string Download = "/_matrix/client/v1/media/download/example.org/abcdefghijklmnopqrstuvwx";
    private const string Config = "/_matrix/client/v1/media/config";

    [Fact]
    public async Task Download_SameUnknownTokenRepeated_401AndHomeserverAskedOnce()
    {
        await using var server = await MatrixTestServer.StartAsync();

        for (var i = 0; i < 100; i++)
        {
            using var response = await server.Client.SendAsync(MatrixRequests.Get(Download, "syt_the_same_bad_token"));
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await response.MatrixErrorAsync()).Errcode.Should().Be("M_UNKNOWN_TOKEN");
        }

        server.Homeserver.WhoAmICalls.Should().Be(1, "an unknown token is remembered, not asked about again");
    }

    [Fact]
    public async Task Download_UnknownTokenAfterCacheTime_HomeserverAskedAgain()
    {
        await using var server = await MatrixTestServer.StartAsync(new() { ["Blossom:Matrix:UnknownTokenCacheSeconds"] = "1" });
        using (var first = await server.Client.SendAsync(MatrixRequests.Get(Download, "syt_forgotten_later")))
            first.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        await Poll.UntilAsync(async () =>
        {
            using var again = await server.Client.SendAsync(MatrixRequests.Get(Download, "syt_forgotten_later"));
            again.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await again.MatrixErrorAsync()).Errcode.Should().Be("M_UNKNOWN_TOKEN");
            return server.Homeserver.WhoAmICalls == 2;
        }, "the unknown token is asked about again once its cache time is over");
    }

    [Fact]
    public async Task Download_ManyUnknownTokensFromOneAddress_429LimitExceededBeyondLimit()
    {
        await using var server = await MatrixTestServer.StartAsync(new() { ["Blossom:Matrix:FailedTokenChecksPerIpPerMinute"] = "5" });
        var alice = server.Homeserver.Login("@alice:example.org");
        using (var before = await server.Client.SendAsync(MatrixRequests.Get(Config, alice)))
            before.StatusCode.Should().Be(HttpStatusCode.OK);

        var statuses = new List<(HttpStatusCode Status, string Errcode)>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await server.Client.SendAsync(MatrixRequests.Get(Download, $"syt_random_{Guid.NewGuid():N}"));
            var (errcode, _, body) = await response.MatrixErrorAsync();
            statuses.Add((response.StatusCode, errcode));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                body.GetProperty("retry_after_ms").GetInt64().Should().BeInRange(1, 60_000);
                response.Headers.RetryAfter.Should().NotBeNull();
            }
        }
        using var cached = await server.Client.SendAsync(MatrixRequests.Get(Config, alice));

        statuses.Take(5).Should().AllBeEquivalentTo((HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN"));
        statuses.Skip(5).Should().AllBeEquivalentTo((HttpStatusCode.TooManyRequests, "M_LIMIT_EXCEEDED"));
        server.Homeserver.WhoAmICalls.Should().Be(1 + 5, "alice's token, then five failed checks; the rest never reach the homeserver");
        cached.StatusCode.Should().Be(HttpStatusCode.OK, "a token already checked needs no homeserver call");
    }

    [Fact]
    public async Task Config_ManyNewTokensAtOnce_HomeserverAskedOneAtATime()
    {
        await using var server = await MatrixTestServer.StartAsync(new()
        {
            ["Blossom:Matrix:MaxConcurrentTokenChecks"] = "1",
            ["Blossom:Matrix:TokenCheckQueueLimit"] = "10",
        });
        var tokens = Enumerable.Range(0, 4).Select(i => server.Homeserver.Login($"@user{i}:example.org")).ToList();
        server.Homeserver.Hold();

        var requests = tokens.Select(token => server.Client.SendAsync(MatrixRequests.Get(Config, token))).ToList();
        await Poll.UntilAsync(() => server.Homeserver.WhoAmICalls >= 1, "the first token check reaches the homeserver");
        server.Homeserver.Release();
        var responses = await Task.WhenAll(requests);

        responses.Select(r => r.StatusCode).Should().AllBeEquivalentTo(HttpStatusCode.OK);
        server.Homeserver.WhoAmICalls.Should().Be(4);
        server.Homeserver.MaxConcurrentWhoAmICalls.Should().Be(1);
        foreach (var response in responses)
            response.Dispose();
    }

    [Fact]
    public async Task Config_TokenCheckQueueFull_429LimitExceededWithoutAskingHomeserver()
    {
        await using var server = await MatrixTestServer.StartAsync(new()
        {
            ["Blossom:Matrix:MaxConcurrentTokenChecks"] = "1",
            ["Blossom:Matrix:TokenCheckQueueLimit"] = "0",
        });
        var alice = server.Homeserver.Login("@alice:example.org");
        var bob = server.Homeserver.Login("@bob:example.org");
        server.Homeserver.Hold();

        var first = server.Client.SendAsync(MatrixRequests.Get(Config, alice));
        await Poll.UntilAsync(() => server.Homeserver.WhoAmICalls == 1, "alice's token check reaches the homeserver");
        using var refused = await server.Client.SendAsync(MatrixRequests.Get(Config, bob));
        server.Homeserver.Release();
        using var answered = await first;

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var (errcode, _, body) = await refused.MatrixErrorAsync();
        errcode.Should().Be("M_LIMIT_EXCEEDED");
        body.GetProperty("retry_after_ms").GetInt64().Should().BePositive();
        answered.StatusCode.Should().Be(HttpStatusCode.OK);
        server.Homeserver.WhoAmICalls.Should().Be(1, "the refused request never reached the homeserver");
    }
}
