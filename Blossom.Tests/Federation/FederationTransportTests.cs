using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Authentication;
using Blossom.Core.Federation;
using Blossom.Core.Outbound;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Federation;

/// <summary>
/// Federation requests to a real Kestrel on loopback: through the OriginGuard, with the discovered
/// <c>Host</c> header, and over TLS where that header, not the address connected to, names the
/// certificate (checked on .NET's own handler first, then through SRV discovery and the transport).
/// </summary>
[Collection(FederationTestGroup.Name)]
public sealed class FederationTransportTests(FederationNetwork network) : IDisposable
{
    private const string D = FederationNetwork.Domain;

    private readonly HttpMessageInvoker _wellKnownClient = new(new RedirectFollowingHandler(network.CreateWellKnownHandler()));

    public void Dispose() => _wellKnownClient.Dispose();

    private FederationResolver Resolver(params KnownFederationServer[] known) =>
        new(known, _wellKnownClient, network.Dns.CreateClient(), TimeProvider.System, NullLogger<FederationResolver>.Instance);

    /// <summary>The guard's own handler, trusting the test certificate as production trusts a CA.</summary>
    private SocketsHttpHandler GuardedTrustingHandler(OriginGuard guard)
    {
        var handler = guard.CreateHandler();
        handler.SslOptions = network.TrustingTestCertificate();
        return handler;
    }

    [Fact]
    public async Task SocketsHttpHandler_HostHeaderDiffersFromUrl_SniAndCertificateNameFromHostHeader()
    {
        using var client = new HttpClient(new SocketsHttpHandler { SslOptions = network.TrustingTestCertificate() });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{network.HttpsPort}/probe");
        request.Headers.Host = $"named.{D}";

        using var response = await client.SendAsync(request);
        var echoed = await response.Content.ReadFromJsonAsync<EchoedRequest>();

        echoed!.Sni.Should().Be($"named.{D}");
        echoed.Host.Should().Be($"named.{D}");
    }

    [Fact]
    public async Task SocketsHttpHandler_HostHeaderNotInCertificate_Refused()
    {
        using var client = new HttpClient(new SocketsHttpHandler { SslOptions = network.TrustingTestCertificate() });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{network.HttpsPort}/probe");
        request.Headers.Host = "elsewhere.example";

        var send = () => client.SendAsync(request);

        (await send.Should().ThrowAsync<HttpRequestException>()).WithInnerException<AuthenticationException>();
    }

    [Fact]
    public async Task Send_KnownServerThroughGuard_ReachesItWithHostPathMethodAndCallerHeaders()
    {
        var resolver = Resolver(new KnownFederationServer("private.example", new Uri($"http://127.0.0.1:{network.HttpPort}")));
        using var transport = new FederationTransport(resolver, new OriginGuard(allowPrivateNetworks: true, []));

        using var response = await transport.SendAsync("private.example", HttpMethod.Put, "/_matrix/federation/v1/send/1?x=a%20b", request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("X-Matrix", "origin=\"a.example\",key=\"ed25519:1\",sig=\"s\"");
            request.Content = JsonContent.Create(new { pdus = Array.Empty<object>() });
        }, CancellationToken.None);
        var echoed = await response.Content.ReadFromJsonAsync<EchoedRequest>();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        echoed.Should().Be(new EchoedRequest("PUT", $"127.0.0.1:{network.HttpPort}", "/_matrix/federation/v1/send/1?x=a%20b",
            "X-Matrix origin=\"a.example\",key=\"ed25519:1\",sig=\"s\"", null, """{"pdus":[]}"""));
    }

    [Fact]
    public async Task Send_GuardAllowingNothing_KnownServerOnLoopbackReached_ItsAddressByAnotherNameRefused()
    {
        var resolver = Resolver(new KnownFederationServer("private.example", new Uri($"http://127.0.0.1:{network.HttpPort}")));
        using var transport = new FederationTransport(resolver, new OriginGuard(allowPrivateNetworks: false, []));

        using var known = await transport.SendAsync("private.example", HttpMethod.Get, "/_matrix/federation/v1/version", null, CancellationToken.None);
        var other = () => transport.SendAsync($"127.0.0.1:{network.HttpPort}", HttpMethod.Get, "/_matrix/federation/v1/version", null, CancellationToken.None);

        known.StatusCode.Should().Be(HttpStatusCode.OK, "the operator named that place for that server");
        (await other.Should().ThrowAsync<HttpRequestException>()).WithInnerException<OriginRefusedException>();
    }

    [Fact]
    public async Task Send_IpLiteralServerNameGuardAllowingNothing_Refused()
    {
        using var transport = new FederationTransport(Resolver(), new OriginGuard(allowPrivateNetworks: false, []));

        var send = () => transport.SendAsync($"127.0.0.1:{network.HttpsPort}", HttpMethod.Get, "/_matrix/federation/v1/version", null, CancellationToken.None);

        (await send.Should().ThrowAsync<HttpRequestException>()).WithInnerException<OriginRefusedException>();
    }

    [Fact]
    public async Task Send_SrvToLoopback_ConnectsTo127001WithTlsAndHostOfTheServerName()
    {
        using var transport = new FederationTransport(Resolver(), GuardedTrustingHandler(new OriginGuard(allowPrivateNetworks: true, [])));

        using var response = await transport.SendAsync($"tls.{D}", HttpMethod.Get, "/_matrix/federation/v1/version", null, CancellationToken.None);
        var echoed = await response.Content.ReadFromJsonAsync<EchoedRequest>();

        echoed!.Sni.Should().Be($"tls.{D}");
        echoed.Host.Should().Be($"tls.{D}");
        echoed.PathAndQuery.Should().Be("/_matrix/federation/v1/version");
    }

    [Fact]
    public async Task Send_IpLiteralServerName_TlsCertificateForTheAddress_HostIsTheServerName()
    {
        using var transport = new FederationTransport(Resolver(), GuardedTrustingHandler(new OriginGuard(allowPrivateNetworks: true, [])));

        using var response = await transport.SendAsync($"127.0.0.1:{network.HttpsPort}", HttpMethod.Get, "/_matrix/federation/v1/version", null, CancellationToken.None);
        var echoed = await response.Content.ReadFromJsonAsync<EchoedRequest>();

        echoed!.Host.Should().Be($"127.0.0.1:{network.HttpsPort}");
        // An IP address is never sent as SNI.
        echoed.Sni.Should().BeNullOrEmpty();
    }

    [Fact]
    public async Task Send_RedirectAnswer_ReturnedNotFollowed()
    {
        var resolver = Resolver(new KnownFederationServer("private.example", new Uri($"https://127.0.0.1:{network.HttpsPort}")));
        var name = $"redirecting-{Guid.NewGuid():N}.{D}";
        network.WellKnown[name] = _ => Task.FromResult(Microsoft.AspNetCore.Http.Results.Redirect("/elsewhere"));
        using var transport = new FederationTransport(resolver, GuardedTrustingHandler(new OriginGuard(allowPrivateNetworks: true, [])));

        using var response = await transport.SendAsync("private.example", HttpMethod.Get, FederationResolver.WellKnownPath, r => r.Headers.Host = name, CancellationToken.None);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
    }

    [Theory]
    [InlineData("_matrix/federation/v1/version")]
    [InlineData("//evil.example/x")]
    public async Task Send_PathNotAbsolute_ArgumentException(string pathAndQuery)
    {
        using var transport = new FederationTransport(Resolver(), new OriginGuard(allowPrivateNetworks: true, []));

        var send = () => transport.SendAsync("1.2.3.4", HttpMethod.Get, pathAndQuery, null, CancellationToken.None);

        await send.Should().ThrowAsync<ArgumentException>();
    }
}
