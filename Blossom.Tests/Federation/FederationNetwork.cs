using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Blossom.Core.Federation;
using Blossom.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Federation;

/// <summary>
/// The network the federation tests talk to: a real Kestrel on loopback, over HTTPS with a self-signed
/// certificate for <c>*.fed.test</c> and 127.0.0.1 (and over plain HTTP), serving well-known documents
/// per host and echoing every other request; and a real DNS server (dnsmasq) with the SRV records the
/// tests look up. Each test uses host names of its own, so tests never see each other's answers.
/// </summary>
public sealed class FederationNetwork : IAsyncLifetime
{
    /// <summary>The certificate's names: every name under <see cref="Domain"/>, and 127.0.0.1.</summary>
    public const string Domain = "fed.test";

    private const string SniItem = "sni";

    private WebApplication? _server;
    private DnsmasqServer? _dns;

    public X509Certificate2 Certificate { get; } = CreateCertificate();

    /// <summary>The HTTPS port; every connection of <see cref="CreateWellKnownHandler"/> lands here.</summary>
    public int HttpsPort { get; private set; }

    public int HttpPort { get; private set; }

    /// <summary>What <c>/.well-known/matrix/server</c> answers, by the request's host (without port); other hosts get 404.</summary>
    public ConcurrentDictionary<string, Func<HttpContext, Task<IResult>>> WellKnown { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many well-known requests each host got.</summary>
    public ConcurrentDictionary<string, int> WellKnownRequests { get; } = new(StringComparer.OrdinalIgnoreCase);

    public DnsmasqServer Dns => _dns ?? throw new InvalidOperationException("Not started");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                // Kept on the connection, so each request can echo the SNI name its client sent.
                ServerCertificateSelector = (connection, name) =>
                {
                    connection!.Items[SniItem] = name;
                    return Certificate;
                },
            }));
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        _server = builder.Build();
        _server.MapGet(FederationResolver.WellKnownPath, async (HttpContext context) =>
        {
            var host = context.Request.Host.Host;
            WellKnownRequests.AddOrUpdate(host, 1, (_, count) => count + 1);
            return WellKnown.TryGetValue(host, out var answer) ? await answer(context) : Results.NotFound();
        });
        _server.MapFallback(async (HttpContext context) =>
        {
            using var body = new StreamReader(context.Request.Body);
            return Results.Json(new EchoedRequest(
                context.Request.Method,
                context.Request.Headers.Host.ToString(),
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.Authorization.ToString(),
                context.Features.Get<IConnectionItemsFeature>()?.Items[SniItem] as string,
                await body.ReadToEndAsync()));
        });
        await _server.StartAsync();
        var ports = _server.Urls.Select(u => new Uri(u)).ToList();
        HttpsPort = ports.Single(u => u.Scheme == Uri.UriSchemeHttps).Port;
        HttpPort = ports.Single(u => u.Scheme == Uri.UriSchemeHttp).Port;

        _dns = await DnsmasqServer.StartAsync(
        [
            // Unknown names under the test domain are NXDOMAIN, answered at once rather than timed out.
            $"--local=/{Domain}/",
            $"--srv-host=_matrix-fed._tcp.srv.{Domain},target.{Domain},8443",
            $"--srv-host=_matrix._tcp.legacy.{Domain},legacy-target.{Domain},8444",
            $"--srv-host=_matrix-fed._tcp.both.{Domain},current.{Domain},8445",
            $"--srv-host=_matrix._tcp.both.{Domain},deprecated.{Domain},8446",
            $"--srv-host=_matrix-fed._tcp.delegated-srv.{Domain},delegated-target.{Domain},8447",
            $"--srv-host=_matrix-fed._tcp.priority.{Domain},backup.{Domain},9001,20,10",
            $"--srv-host=_matrix-fed._tcp.priority.{Domain},primary.{Domain},9002,10,10",
            // The TLS test: SRV sends the connection to loopback, the name stays tls.fed.test.
            $"--srv-host=_matrix-fed._tcp.tls.{Domain},127.0.0.1,{HttpsPort}",
        ]);
    }

    public async Task DisposeAsync()
    {
        if (_dns is not null)
            await _dns.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
        Certificate.Dispose();
    }

    /// <summary>
    /// A handler that connects every request to the HTTPS port whatever host and port its URL names (standing
    /// in for the A records and port 443 of the well-known hosts) and trusts the test certificate; the
    /// name check stays .NET's own, against the URL's host or the <c>Host</c> header.
    /// </summary>
    public SocketsHttpHandler CreateWellKnownHandler() => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, HttpsPort, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        AllowAutoRedirect = false,
        UseProxy = false,
        SslOptions = TrustingTestCertificate(),
    };

    /// <summary>
    /// Client TLS options that accept the test certificate, and only it, in place of a certificate
    /// authority; a name mismatch is still refused.
    /// </summary>
    public SslClientAuthenticationOptions TrustingTestCertificate() => new()
    {
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is not null
            && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
            && certificate.GetCertHashString(HashAlgorithmName.SHA256) == Certificate.GetCertHashString(HashAlgorithmName.SHA256),
    };

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Domain}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName($"*.{Domain}");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel needs the private key in a form the TLS stack can load, which an export and load gives.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>What the test server saw of a request that was not for a well-known document.</summary>
public sealed record EchoedRequest(string Method, string Host, string PathAndQuery, string Authorization, string? Sni, string Body);

/// <summary>The federation test classes, which share one <see cref="FederationNetwork"/>.</summary>
[CollectionDefinition(Name)]
public sealed class FederationTestGroup : ICollectionFixture<FederationNetwork>
{
    public const string Name = "Federation";
}
