namespace Blossom.Core.Federation;

/// <summary>
/// Where requests for a server name go: connect to <paramref name="BaseUrl"/> (scheme://host:port of
/// the target), send <paramref name="HostHeader"/> as <c>Host</c>, which is also the name sent in TLS SNI
/// and the one the certificate must be valid for (after an SRV lookup that is the server's own name,
/// not the SRV target: DNS proves nothing, the certificate does). <paramref name="OperatorChosen"/>: the
/// operator named this place for the server (<c>Matrix:Federation:KnownServers</c>), so it may be on a
/// private address; anywhere else the outbound guard allows public addresses only.
/// </summary>
public sealed record FederationDestination(Uri BaseUrl, string HostHeader, bool OperatorChosen = false);
