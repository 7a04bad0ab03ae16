using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// The names BUD-11 <c>server</c> tags are checked against: <c>PublicUrl</c>'s host,
/// <c>Auth:ServerNames</c>, and the hosts of the addresses the server listens on when they name
/// it (see <see cref="FromListenAddresses"/>). Never the request's <c>Host</c>: a token scoped to
/// another server would pass here when sent with that server's name.
/// </summary>
internal sealed partial class ServerNames
{
    private readonly string[] _configured;
    private readonly IServer _server;
    private readonly ILogger<ServerNames> _logger;
    private string[]? _afterStart;

    public ServerNames(IOptions<BlossomOptions> options, IOptions<AuthOptions> auth, IServer server, ILogger<ServerNames> logger)
    {
        _configured = [.. Distinct(new[] { string.IsNullOrWhiteSpace(options.Value.PublicUrl) ? null : new Uri(options.Value.PublicUrl).Host }.OfType<string>().Concat(auth.Value.ServerNames))];
        _server = server;
        _logger = logger;
    }

    /// <summary>Every name a <c>server</c> tag may carry to be accepted here, lowercase.</summary>
    public IReadOnlyCollection<string> Names => _afterStart ?? Current();

    /// <summary>
    /// Called once the server has started: Kestrel adds each address as it binds it, so the list
    /// is whole only then, and is kept from then on. Says, once, when there is no name at all.
    /// </summary>
    public void OnServerStarted()
    {
        _afterStart = Current();
        if (_afterStart.Length == 0)
            LogNoServerName(_logger);
    }

    /// <summary>
    /// The names a listen address gives the server: a host name as written, a specific IP address
    /// as written (IPv6 in brackets, as URLs spell it), plus <c>localhost</c> for a loopback
    /// address. A wildcard (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>) or a Unix socket names
    /// nothing: such a server is reached by names it cannot know.
    /// </summary>
    public static IEnumerable<string> FromListenAddresses(IEnumerable<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (var address in addresses)
        {
            var binding = BindingAddress.Parse(address);
            if (binding.IsUnixPipe || binding.IsNamedPipe || binding.Host is "*" or "+")
                continue;
            if (!IPAddress.TryParse(binding.Host.Trim('[', ']'), out var ip))
            {
                yield return binding.Host;
                continue;
            }
            if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
                continue;
            yield return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
            if (IPAddress.IsLoopback(ip))
                yield return "localhost";
        }
    }

    private string[] Current() =>
        [.. Distinct(_configured.Concat(FromListenAddresses(_server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])))];

    private static IEnumerable<string> Distinct(IEnumerable<string> names) =>
        names.Select(n => n.ToLowerInvariant()).Distinct(StringComparer.Ordinal);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "This server has no name: it listens on no specific host or address, and neither Blossom:PublicUrl nor Blossom:Auth:ServerNames is set, so tokens carrying BUD-11 server tags will be refused. Set Blossom:PublicUrl to the address clients use for this server.")]
    private static partial void LogNoServerName(ILogger logger);
}
