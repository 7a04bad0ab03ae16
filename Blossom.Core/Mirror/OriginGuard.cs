using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Blossom.Core.Mirror;

/// <summary>Which addresses are on the public internet, IPv4 and IPv6 alike.</summary>
public static class NetworkAddresses
{
    private static readonly IPNetwork[] NonPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this network", unspecified
        IPNetwork.Parse("10.0.0.0/8"),       // private
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, cloud metadata services
        IPNetwork.Parse("172.16.0.0/12"),    // private
        IPNetwork.Parse("192.0.0.0/24"),     // protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),     // documentation
        IPNetwork.Parse("192.88.99.0/24"),   // 6to4 relay anycast
        IPNetwork.Parse("192.168.0.0/16"),   // private
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),  // documentation
        IPNetwork.Parse("203.0.113.0/24"),   // documentation
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, broadcast
        IPNetwork.Parse("::/96"),            // unspecified, loopback, IPv4-compatible
        IPNetwork.Parse("::ffff:0:0:0/96"),  // IPv4-translated (RFC 2765 SIIT): not routed on the internet
        IPNetwork.Parse("100::/64"),         // discard
        IPNetwork.Parse("2001::/32"),        // Teredo: tunnels to arbitrary IPv4
        IPNetwork.Parse("2001:db8::/32"),    // documentation
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("fec0::/10"),        // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        // Forms that carry an IPv4 address are judged by it.
        if (address.IsIPv4MappedToIPv6)
            return IsPublic(address.MapToIPv4());
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
            return IsPublic(new IPAddress(address.GetAddressBytes()[12..]));
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && SixToFour.Contains(address))
            return IsPublic(new IPAddress(address.GetAddressBytes()[2..6]));
        return !NonPublic.Any(network => network.Contains(address));
    }
}

/// <summary>The origin is on an address the server may not reach.</summary>
public sealed class OriginRefusedException : Exception
{
    public OriginRefusedException(string message) : base(message) { }

    public OriginRefusedException() { }

    public OriginRefusedException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The only way mirror downloads open connections: the host is resolved here, every address is
/// checked, and the socket connects to exactly those addresses, so a DNS answer that changes
/// between check and connect (rebinding) cannot slip through. Each redirect hop opens its
/// connection here too.
/// </summary>
/// <param name="allowPrivateNetworks">Skip the check altogether (tests, private deployments).</param>
/// <param name="allowedPrivateHosts">Host names that may resolve to non-public addresses.</param>
public sealed class OriginGuard(bool allowPrivateNetworks, IReadOnlyCollection<string> allowedPrivateHosts)
{
    /// <summary>
    /// An HTTP handler whose every connection goes through <see cref="ConnectAsync"/>; no proxy, no
    /// decompression, no redirects: the handler would try an <c>ftp:</c> or <c>gopher:</c> hop as
    /// HTTP and fail on <c>file:</c> with an unexpected error, so <see cref="MirrorClient"/> follows them.
    /// </summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = ConnectAsync,
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var trusted = allowPrivateNetworks || allowedPrivateHosts.Contains(host, StringComparer.OrdinalIgnoreCase);
        if (!trusted && addresses.FirstOrDefault(a => !NetworkAddresses.IsPublic(a)) is { } refused)
            throw new OriginRefusedException($"{host} is on {refused}, which is not a public internet address");

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The origin redirected somewhere a mirror does not follow: another scheme, or too many hops.</summary>
public sealed class RedirectRefusedException : Exception
{
    public RedirectRefusedException(string message) : base(message) { }

    public RedirectRefusedException() { }

    public RedirectRefusedException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The one HTTP client mirror downloads use, its connections made by an <see cref="OriginGuard"/>.</summary>
public sealed class MirrorClient : IDisposable
{
    public const int MaxRedirects = 5;

    private readonly HttpClient _http;

    public MirrorClient(OriginGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        // The caller limits each download's time; the client's own timeout would cut long bodies.
        _http = new HttpClient(guard.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("BlossomServer/1.0 (mirror)");
    }

    /// <summary>
    /// GETs <paramref name="url"/> up to the answer's headers, following at most <see cref="MaxRedirects"/>
    /// redirects, each of them to an http or https URL.
    /// </summary>
    /// <exception cref="RedirectRefusedException">A redirect leads to another scheme, or there are too many.</exception>
    public async Task<HttpResponseMessage> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
                return response;
            response.Dispose();
            if (redirects == MaxRedirects)
                throw new RedirectRefusedException($"The origin redirected more than {MaxRedirects} times");
            url = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
                throw new RedirectRefusedException($"The origin redirected to a {url.Scheme}: URL; only http and https are followed");
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MultipleChoices or HttpStatusCode.MovedPermanently
        or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    public void Dispose() => _http.Dispose();
}
