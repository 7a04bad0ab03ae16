using System.Text.Json.Nodes;

namespace Blossom.Core.Federation;

/// <summary>Why a federation request was refused: no valid signature (401 <c>M_UNAUTHORIZED</c>), or a server policy refuses (403 <c>M_FORBIDDEN</c>).</summary>
public enum FederationRefusalKind
{
    Unauthorized,
    Forbidden,
}

public sealed record FederationRefusal(FederationRefusalKind Kind, string Reason);

/// <summary>
/// Checks the <c>X-Matrix</c> authorization of a request from another server (server-server API,
/// "Request Authentication"): addressed to this server, from a server federation talks with, signed
/// by a key that server publishes (fetched through <see cref="ServerKeyStore"/>) over the canonical
/// JSON of the method, the URI as sent, origin, destination and content. The first header that
/// verifies names the origin server.
/// </summary>
public sealed class FederationRequestVerifier(ServerKeyStore keys, FederationPeers peers, string ownServerName)
{
    public async Task<Outcome<string, FederationRefusal>> VerifyAsync(
        IReadOnlyList<string> authorizationHeaders, string method, string requestUri, JsonNode? content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorizationHeaders);
        var parsed = authorizationHeaders.Select(XMatrixAuthorization.Parse).OfType<XMatrixAuthorization>().ToList();
        if (parsed.Count == 0)
            return Refused(FederationRefusalKind.Unauthorized, "Missing or malformed X-Matrix authorization");
        var refusal = Refused(FederationRefusalKind.Unauthorized, "Invalid X-Matrix signature");
        foreach (var authorization in parsed)
        {
            if (authorization.Destination is { } destination && !string.Equals(destination, ownServerName, StringComparison.OrdinalIgnoreCase))
            {
                refusal = Refused(FederationRefusalKind.Unauthorized, $"The request is addressed to {destination}, not to {ownServerName}");
                continue;
            }
            if (!MatrixServerName.TryParse(authorization.Origin, out _, out _))
            {
                refusal = Refused(FederationRefusalKind.Unauthorized, "The origin is not a server name");
                continue;
            }
            if (!peers.Allows(authorization.Origin))
                return Refused(FederationRefusalKind.Forbidden, $"Federation with {authorization.Origin} is not allowed on this server");
            if (await keys.FindKeyAsync(authorization.Origin, authorization.KeyId, cancellationToken) is not { } publicKey)
            {
                refusal = Refused(FederationRefusalKind.Unauthorized, $"The key {authorization.KeyId} of {authorization.Origin} could not be had, or has expired");
                continue;
            }
            if (authorization.Verify(method, requestUri, ownServerName, content, publicKey.Span))
                return new(authorization.Origin, null);
        }
        return refusal;
    }

    private static Outcome<string, FederationRefusal> Refused(FederationRefusalKind kind, string reason) => new(default!, new(kind, reason));
}
