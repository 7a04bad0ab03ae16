using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Blossom.Core.Outbound;

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
    /// Set on a request whose destination the operator named (a federation server of
    /// <c>Matrix:Federation:KnownServers</c>): its connection may go to a private address. The trust is the
    /// request's, not the host's, so another name that resolves to the same address is still checked.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> TrustedByOperator = new("Blossom.OriginGuard.TrustedByOperator");

    /// <summary>
    /// An HTTP handler whose every connection goes through <see cref="ConnectAsync"/>; no proxy, no
    /// decompression, no redirects: the handler would try an <c>ftp:</c> or <c>gopher:</c> hop as
    /// HTTP and fail on <c>file:</c> with an unexpected error, so <see cref="OutboundClient"/> follows them.
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
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var trusted = allowPrivateNetworks || allowedPrivateHosts.Contains(host, StringComparer.OrdinalIgnoreCase)
            || (context.InitialRequestMessage.Options.TryGetValue(TrustedByOperator, out var chosen) && chosen);
        if (!trusted && addresses.FirstOrDefault(a => !NetworkAddresses.IsPublic(a)) is { } refused)
            throw new OriginRefusedException($"{host} is on {refused}, which is not a public internet address");

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
