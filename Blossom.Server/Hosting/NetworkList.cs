using System.ComponentModel.DataAnnotations;

namespace Blossom.Server;

/// <summary>Settings that list IP addresses or CIDR networks.</summary>
internal static class NetworkList
{
    public static IEnumerable<ValidationResult> Validate(IEnumerable<string> entries, string setting) =>
        entries.Where(p => !System.Net.IPNetwork.TryParse(p, out _) && !System.Net.IPAddress.TryParse(p, out _))
            .Select(p => new ValidationResult($"{setting} entry '{p}' is not an IP address or CIDR network."));
}
