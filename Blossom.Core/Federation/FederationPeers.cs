namespace Blossom.Core.Federation;

/// <summary>Which servers federation talks with, both ways: none of <see cref="Denied"/>, and only <see cref="Allowed"/> when that is not empty.</summary>
public sealed record FederationPeers(IReadOnlyCollection<string> Allowed, IReadOnlyCollection<string> Denied)
{
    public static FederationPeers Everyone { get; } = new([], []);

    public bool Allows(string serverName) =>
        !Denied.Contains(serverName, StringComparer.OrdinalIgnoreCase)
        && (Allowed.Count == 0 || Allowed.Contains(serverName, StringComparer.OrdinalIgnoreCase));
}
