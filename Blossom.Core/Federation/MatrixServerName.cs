using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Blossom.Core.Federation;

/// <summary>
/// The server-name grammar of the Matrix appendices ("Server names"):
/// <c>server_name = hostname [ ":" port ]</c>, the hostname a DNS name, a dotted-quad IPv4 literal or a
/// bracketed IPv6 literal, the port 1 to 5 digits.
/// </summary>
public static class MatrixServerName
{
    /// <summary>The port a server name without one is reached on, unless discovery says otherwise.</summary>
    public const int DefaultPort = 8448;

    private const int MaxDnsNameLength = 255;
    private const int MaxLabelLength = 63;

    /// <summary>
    /// Splits <paramref name="serverName"/> into its hostname (as written: an IPv6 literal keeps its
    /// brackets, so it can go into a URL or a <c>Host</c> header unchanged) and its port, if any.
    /// A port outside 1–65535 is refused as well: the grammar's five digits allow no connection there.
    /// </summary>
    public static bool TryParse(string? serverName, out string host, out int? port)
    {
        host = "";
        port = null;
        if (string.IsNullOrEmpty(serverName))
            return false;

        string hostPart;
        string? portPart;
        if (serverName[0] == '[')
        {
            var close = serverName.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IsIPv6Literal(serverName[1..close]))
                return false;
            hostPart = serverName[..(close + 1)];
            var rest = serverName[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':')
                return false;
            portPart = rest.Length > 0 ? rest[1..] : null;
        }
        else
        {
            var colon = serverName.IndexOf(':', StringComparison.Ordinal);
            hostPart = colon < 0 ? serverName : serverName[..colon];
            portPart = colon < 0 ? null : serverName[(colon + 1)..];
            if (!IsIPv4Literal(hostPart) && !IsDnsName(hostPart))
                return false;
        }

        if (portPart is not null)
        {
            if (portPart.Length is 0 or > 5 || !portPart.All(char.IsAsciiDigit))
                return false;
            var number = int.Parse(portPart, NumberStyles.None, CultureInfo.InvariantCulture);
            if (number is 0 or > IPEndPoint.MaxPort)
                return false;
            port = number;
        }
        host = hostPart;
        return true;
    }

    /// <summary>Whether a hostname <see cref="TryParse"/> gave is an IP literal (steps 1 and 3a of discovery) rather than a DNS name.</summary>
    public static bool IsIpLiteral(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.StartsWith('[') || IsIPv4Literal(host);
    }

    /// <summary>Four decimal numbers 0–255, nothing else: <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> would also take <c>2130706433</c> or <c>0x7f.1</c>.</summary>
    private static bool IsIPv4Literal(string host)
    {
        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit)
            && int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture) <= 255);
    }

    private static bool IsIPv6Literal(string text) =>
        text.Length is >= 2 and <= 45
        && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
        && IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>
    /// <c>dns-name = 1*255dns-char</c>, <c>dns-char = DIGIT / ALPHA / "-" / "."</c>, with the appendix's
    /// "conventional restrictions for internet hostnames": labels of 1 to 63 characters, and a last label
    /// that is not all digits, so <c>999.1.1.1</c> or <c>2130706433</c> (which resolvers read as an IPv4
    /// address) is no DNS name.
    /// </summary>
    private static bool IsDnsName(string host)
    {
        if (host.Length is 0 or > MaxDnsNameLength || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            return false;
        var labels = host.Split('.');
        return labels.All(l => l.Length is >= 1 and <= MaxLabelLength) && !labels[^1].All(char.IsAsciiDigit);
    }
}
