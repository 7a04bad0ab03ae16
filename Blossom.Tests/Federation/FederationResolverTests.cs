using System.Net;
using Blossom.Core.Federation;
using Blossom.Core.Outbound;
using Blossom.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Blossom.Tests.Federation;

/// <summary>
/// Server discovery step by step, against a real HTTPS server for the well-known documents (its
/// certificate trusted by the test) and a real DNS server for the SRV records; time is a fake clock so
/// the cache's lifetimes can be passed.
/// </summary>
[Collection(FederationTestGroup.Name)]
public sealed class FederationResolverTests(FederationNetwork network) : IDisposable
{
    private const string D = FederationNetwork.Domain;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly HttpMessageInvoker _wellKnownClient = new(new RedirectFollowingHandler(network.CreateWellKnownHandler()));

    public void Dispose() => _wellKnownClient.Dispose();

    private FederationResolver Resolver(params KnownFederationServer[] known) =>
        new(known, _wellKnownClient, network.Dns.CreateClient(), _time, NullLogger<FederationResolver>.Instance);

    private static string Unique(string label) => $"{label}-{Guid.NewGuid():N}.{D}";

    private void ServeWellKnown(string host, string json, Action<HttpResponse>? headers = null) =>
        network.WellKnown[host] = context =>
        {
            headers?.Invoke(context.Response);
            return Task.FromResult(Results.Text(json, "application/json"));
        };

    private int Fetches(string host) => network.WellKnownRequests.GetValueOrDefault(host);

    private static FederationDestination Destination(string baseUrl, string host) => new(new Uri(baseUrl), host);

    [Fact]
    public async Task Resolve_KnownServer_ItsUrlAndAuthorityWithoutDiscovery()
    {
        var resolver = Resolver(new KnownFederationServer("private.example", new Uri("http://127.0.0.1:8008")));

        var destination = await resolver.ResolveAsync("private.example", CancellationToken.None);

        destination.Should().Be(new FederationDestination(new Uri("http://127.0.0.1:8008"), "127.0.0.1:8008", OperatorChosen: true));
        Fetches("private.example").Should().Be(0);
    }

    [Theory]
    [InlineData("1.2.3.4", "https://1.2.3.4:8448/", "1.2.3.4")]
    [InlineData("1.2.3.4:1234", "https://1.2.3.4:1234/", "1.2.3.4:1234")]
    [InlineData("[1234:5678::abcd]", "https://[1234:5678::abcd]:8448/", "[1234:5678::abcd]")]
    [InlineData("[1234:5678::abcd]:5678", "https://[1234:5678::abcd]:5678/", "[1234:5678::abcd]:5678")]
    public async Task Resolve_IpLiteral_ThatAddressPortOr8448_HostIsTheServerName(string serverName, string baseUrl, string host)
    {
        var destination = await Resolver().ResolveAsync(serverName, CancellationToken.None);

        destination.Should().Be(Destination(baseUrl, host));
    }

    [Fact]
    public async Task Resolve_HostnameWithPort_NoWellKnown_HostIsNameWithPort()
    {
        var name = Unique("explicit");
        ServeWellKnown(name, """{"m.server":"elsewhere.fed.test:1"}""");

        var destination = await Resolver().ResolveAsync($"{name}:8443", CancellationToken.None);

        destination.Should().Be(Destination($"https://{name}:8443/", $"{name}:8443"));
        Fetches(name).Should().Be(0);
    }

    [Fact]
    public async Task Resolve_WellKnownDelegatesWithPort_ThatHostAndPort_HostIsDelegatedNameWithPort()
    {
        var name = Unique("wk-port");
        ServeWellKnown(name, $$"""{"m.server":"matrix.{{D}}:8443"}""");

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://matrix.{D}:8443/", $"matrix.{D}:8443"));
        Fetches(name).Should().Be(1);
    }

    [Fact]
    public async Task Resolve_WellKnownDelegatesWithoutPortNoSrv_Delegated8448_HostIsDelegatedName()
    {
        var name = Unique("wk-noport");
        ServeWellKnown(name, $$"""{"m.server":"matrix.{{D}}"}""");

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://matrix.{D}:8448/", $"matrix.{D}"));
    }

    [Fact]
    public async Task Resolve_WellKnownDelegatesToNameWithSrv_SrvTarget_HostIsDelegatedName()
    {
        var name = Unique("wk-srv");
        ServeWellKnown(name, $$"""{"m.server":"delegated-srv.{{D}}"}""");

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://delegated-target.{D}:8447/", $"delegated-srv.{D}"));
    }

    [Theory]
    [InlineData("5.6.7.8", "https://5.6.7.8:8448/", "5.6.7.8")]
    [InlineData("[::2]:9000", "https://[::2]:9000/", "[::2]:9000")]
    public async Task Resolve_WellKnownDelegatesToIpLiteral_ThatAddress_HostIsTheLiteral(string delegated, string baseUrl, string host)
    {
        var name = Unique("wk-ip");
        ServeWellKnown(name, $$"""{"m.server":"{{delegated}}"}""");

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination(baseUrl, host));
    }

    [Fact]
    public async Task Resolve_WellKnownRedirects_RedirectFollowed()
    {
        var name = Unique("wk-redirect");
        var target = Unique("wk-target");
        network.WellKnown[name] = _ => Task.FromResult(Results.Redirect($"https://{target}{FederationResolver.WellKnownPath}"));
        ServeWellKnown(target, $$"""{"m.server":"redirected.{{D}}:8443"}""");

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://redirected.{D}:8443/", $"redirected.{D}:8443"));
        Fetches(target).Should().Be(1);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""["m.server"]""")]
    [InlineData("""{"server":"matrix.fed.test"}""")]
    [InlineData("""{"m.server":42}""")]
    [InlineData("""{"m.server":"bad name.fed.test"}""")]
    public async Task Resolve_WellKnownInvalid_SkippedToSrvThen8448(string body)
    {
        var name = Unique("wk-invalid");
        ServeWellKnown(name, body);

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://{name}:8448/", name));
        Fetches(name).Should().Be(1);
    }

    [Fact]
    public async Task Resolve_WellKnownBodyTooLarge_Skipped()
    {
        var name = Unique("wk-large");
        ServeWellKnown(name, $$"""{"m.server":"matrix.{{D}}:8443","padding":"{{new string('x', FederationResolver.MaxWellKnownBytes)}}"}""");

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://{name}:8448/", name));
    }

    [Fact]
    public async Task Resolve_WellKnownMaxAge_CachedThatLongThenFetchedAgain()
    {
        var name = Unique("wk-maxage");
        ServeWellKnown(name, $$"""{"m.server":"first.{{D}}:8443"}""", r => r.Headers.CacheControl = "max-age=600");
        var resolver = Resolver();

        await resolver.ResolveAsync(name, CancellationToken.None);
        ServeWellKnown(name, $$"""{"m.server":"second.{{D}}:8443"}""");
        _time.Advance(TimeSpan.FromSeconds(599));
        var cached = await resolver.ResolveAsync(name, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(2));
        var refetched = await resolver.ResolveAsync(name, CancellationToken.None);

        cached.HostHeader.Should().Be($"first.{D}:8443");
        refetched.HostHeader.Should().Be($"second.{D}:8443");
        Fetches(name).Should().Be(2);
    }

    [Fact]
    public async Task Resolve_WellKnownWithoutCacheHeaders_Cached24Hours()
    {
        var name = Unique("wk-default");
        ServeWellKnown(name, $$"""{"m.server":"matrix.{{D}}:8443"}""");
        var resolver = Resolver();

        await resolver.ResolveAsync(name, CancellationToken.None);
        _time.Advance(FederationResolver.WellKnownDefaultLifetime - TimeSpan.FromMinutes(1));
        await resolver.ResolveAsync(name, CancellationToken.None);
        var before = Fetches(name);
        _time.Advance(TimeSpan.FromMinutes(2));
        await resolver.ResolveAsync(name, CancellationToken.None);

        before.Should().Be(1);
        Fetches(name).Should().Be(2);
    }

    [Fact]
    public async Task Resolve_WellKnownMaxAgeOverTwoDays_Capped48Hours()
    {
        var name = Unique("wk-cap");
        ServeWellKnown(name, $$"""{"m.server":"matrix.{{D}}:8443"}""", r => r.Headers.CacheControl = "max-age=31536000");
        var resolver = Resolver();

        await resolver.ResolveAsync(name, CancellationToken.None);
        _time.Advance(FederationResolver.WellKnownMaxLifetime + TimeSpan.FromSeconds(1));
        await resolver.ResolveAsync(name, CancellationToken.None);

        Fetches(name).Should().Be(2);
    }

    [Fact]
    public async Task Resolve_WellKnownExpiresHeader_CachedUntilThen()
    {
        var name = Unique("wk-expires");
        ServeWellKnown(name, $$"""{"m.server":"matrix.{{D}}:8443"}""", r =>
        {
            r.Headers.Date = _time.GetUtcNow().ToString("R");
            r.Headers.Expires = (_time.GetUtcNow() + TimeSpan.FromHours(2)).ToString("R");
        });
        var resolver = Resolver();

        await resolver.ResolveAsync(name, CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1));
        await resolver.ResolveAsync(name, CancellationToken.None);
        var before = Fetches(name);
        _time.Advance(TimeSpan.FromMinutes(2));
        await resolver.ResolveAsync(name, CancellationToken.None);

        before.Should().Be(1);
        Fetches(name).Should().Be(2);
    }

    [Fact]
    public async Task Resolve_WellKnownFailing_FailureCachedBackingOffNeverOverAnHour()
    {
        var name = Unique("wk-failing");
        network.WellKnown[name] = _ => Task.FromResult(Results.StatusCode(StatusCodes.Status500InternalServerError));
        var resolver = Resolver();

        var destination = await resolver.ResolveAsync(name, CancellationToken.None);
        var waits = new List<TimeSpan>();
        for (var failure = 1; failure <= 6; failure++)
        {
            // Step a minute at a time until the next fetch: the time it took is how long the failure was kept.
            var fetches = Fetches(name);
            var waited = TimeSpan.Zero;
            while (Fetches(name) == fetches && waited <= TimeSpan.FromHours(2))
            {
                _time.Advance(TimeSpan.FromMinutes(1));
                waited += TimeSpan.FromMinutes(1);
                await resolver.ResolveAsync(name, CancellationToken.None);
            }
            waits.Add(waited);
        }

        destination.Should().Be(Destination($"https://{name}:8448/", name));
        waits.Select(w => w.TotalMinutes).Should().Equal(5, 10, 20, 40, 60, 60);
    }

    [Fact]
    public async Task Resolve_WellKnownRecoversAfterFailure_Delegates()
    {
        var name = Unique("wk-recovers");
        network.WellKnown[name] = _ => Task.FromResult(Results.NotFound());
        var resolver = Resolver();

        var failed = await resolver.ResolveAsync(name, CancellationToken.None);
        ServeWellKnown(name, $$"""{"m.server":"matrix.{{D}}:8443"}""");
        _time.Advance(FederationResolver.WellKnownFirstFailureLifetime);
        var recovered = await resolver.ResolveAsync(name, CancellationToken.None);

        failed.Should().Be(Destination($"https://{name}:8448/", name));
        recovered.Should().Be(Destination($"https://matrix.{D}:8443/", $"matrix.{D}:8443"));
    }

    [Fact]
    public async Task Resolve_WellKnownNeverAnswers_TimesOutAndFallsThrough()
    {
        var name = Unique("wk-hangs");
        var hang = new TaskCompletionSource();
        network.WellKnown[name] = async context =>
        {
            // Held until the test ends or the client gives up and closes the connection.
            await Task.WhenAny(hang.Task, Task.Delay(Timeout.Infinite, context.RequestAborted));
            return Results.NotFound();
        };
        try
        {
            var resolving = Resolver().ResolveAsync(name, CancellationToken.None);
            await Poll.UntilAsync(() => Fetches(name) == 1, "the well-known request to reach the server");
            _time.Advance(FederationResolver.WellKnownTimeout);

            var destination = await resolving.WaitAsync(Poll.DefaultDeadline);

            destination.Should().Be(Destination($"https://{name}:8448/", name));
        }
        finally
        {
            hang.TrySetResult();
        }
    }

    [Fact]
    public async Task Resolve_ConcurrentFirstContacts_OneWellKnownFetch()
    {
        var name = Unique("wk-shared");
        var release = new TaskCompletionSource();
        network.WellKnown[name] = async _ =>
        {
            await release.Task;
            return Results.Text($$"""{"m.server":"matrix.{{D}}:8443"}""", "application/json");
        };
        var resolver = Resolver();

        var resolving = Enumerable.Range(0, 4).Select(_ => resolver.ResolveAsync(name, CancellationToken.None)).ToList();
        await Poll.UntilAsync(() => Fetches(name) == 1, "the well-known request to reach the server");
        release.SetResult();
        var destinations = await Task.WhenAll(resolving).WaitAsync(Poll.DefaultDeadline);

        destinations.Should().AllBeEquivalentTo(Destination($"https://matrix.{D}:8443/", $"matrix.{D}:8443"));
        Fetches(name).Should().Be(1);
    }

    [Fact]
    public async Task Resolve_CallerCancelsDuringFetch_CancelledWithoutCachingAFailure()
    {
        var name = Unique("wk-cancelled");
        var release = new TaskCompletionSource();
        network.WellKnown[name] = async _ =>
        {
            await release.Task;
            return Results.Text($$"""{"m.server":"matrix.{{D}}:8443"}""", "application/json");
        };
        var resolver = Resolver();
        using var cancel = new CancellationTokenSource();

        var first = resolver.ResolveAsync(name, cancel.Token);
        await Poll.UntilAsync(() => Fetches(name) == 1, "the well-known request to reach the server");
        await cancel.CancelAsync();
        var cancelled = () => first;
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        release.SetResult();
        var destination = await resolver.ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://matrix.{D}:8443/", $"matrix.{D}:8443"));
        Fetches(name).Should().Be(1);
    }

    [Fact]
    public async Task Resolve_MatrixFedSrv_TargetAndPort_HostIsTheServerName()
    {
        var destination = await Resolver().ResolveAsync($"srv.{D}", CancellationToken.None);

        destination.Should().Be(Destination($"https://target.{D}:8443/", $"srv.{D}"));
    }

    [Fact]
    public async Task Resolve_OnlyDeprecatedMatrixSrv_ItsTarget_HostIsTheServerName()
    {
        var destination = await Resolver().ResolveAsync($"legacy.{D}", CancellationToken.None);

        destination.Should().Be(Destination($"https://legacy-target.{D}:8444/", $"legacy.{D}"));
    }

    [Fact]
    public async Task Resolve_BothSrvServices_MatrixFedWins()
    {
        var destination = await Resolver().ResolveAsync($"both.{D}", CancellationToken.None);

        destination.Should().Be(Destination($"https://current.{D}:8445/", $"both.{D}"));
    }

    [Fact]
    public async Task Resolve_SrvRecordsOfTwoPriorities_LowestPriorityNumber()
    {
        var destination = await Resolver().ResolveAsync($"priority.{D}", CancellationToken.None);

        destination.Should().Be(Destination($"https://primary.{D}:9002/", $"priority.{D}"));
    }

    [Fact]
    public async Task Resolve_NoWellKnownNoSrv_Port8448()
    {
        var name = Unique("plain");

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://{name}:8448/", name));
        Fetches(name).Should().Be(1);
    }

    [Fact]
    public async Task Resolve_DnsServerUnreachable_FallsThroughTo8448()
    {
        using var unreachableWellKnown = new HttpMessageInvoker(new SocketsHttpHandler { ConnectCallback = (_, _) => throw new HttpRequestException("no route") });
        var silent = new DnsClient.LookupClient(new DnsClient.LookupClientOptions(new DnsClient.NameServer(IPAddress.Loopback, FreePortForUdp()))
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(200),
            Retries = 0,
        });
        var resolver = new FederationResolver([], unreachableWellKnown, silent, _time, NullLogger<FederationResolver>.Instance);

        var destination = await resolver.ResolveAsync($"srv.{D}", CancellationToken.None);

        destination.Should().Be(Destination($"https://srv.{D}:8448/", $"srv.{D}"));
    }

    [Fact]
    public async Task Resolve_NameTooLongForSrvQuery_FallsThroughTo8448()
    {
        // 255 characters: a server name by the grammar, but with "_matrix-fed._tcp." no DNS name.
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..(255 - D.Length - 1)].TrimEnd('.') + "." + D;

        var destination = await Resolver().ResolveAsync(name, CancellationToken.None);

        destination.Should().Be(Destination($"https://{name}:8448/", name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    [InlineData("matrix.org:http")]
    public async Task Resolve_MalformedServerName_ArgumentException(string serverName)
    {
        var resolve = () => Resolver().ResolveAsync(serverName, CancellationToken.None);

        await resolve.Should().ThrowAsync<ArgumentException>();
    }

    /// <summary>A UDP port on loopback that nothing listens on: queries sent there are never answered.</summary>
    private static int FreePortForUdp()
    {
        using var socket = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}
