using System.Net.Http;

namespace Blossom.Core.Federation;

/// <summary>
/// Requests to other Matrix servers on behalf of this one: signed with the homeserver's key
/// (<c>X-Matrix</c>, origin = this server's name) where the route asks for it.
/// </summary>
/// <param name="transport">Where each server name is sent, through the outbound guard.</param>
/// <param name="signingKey">The homeserver's key; null when none is configured: signed requests cannot be made.</param>
/// <param name="originServerName">This server's name, the origin of its requests.</param>
public sealed class FederationClient(FederationTransport transport, MatrixSigningKey? signingKey, string originServerName)
{
    /// <summary>Whether signed requests can be made (a signing key is configured).</summary>
    public bool CanSign => signingKey is not null;

    public string OriginServerName => originServerName;

    /// <summary>A GET signed with the homeserver's key, up to the answer's headers.</summary>
    /// <exception cref="InvalidOperationException">No signing key is configured.</exception>
    public Task<HttpResponseMessage> GetSignedAsync(string destination, string pathAndQuery, CancellationToken cancellationToken)
    {
        var key = signingKey ?? throw new InvalidOperationException("No signing key is configured (Matrix:SigningKeyPath).");
        var authorization = XMatrixAuthorization.Create("GET", pathAndQuery, originServerName, destination, content: null, key);
        return transport.SendAsync(destination, HttpMethod.Get, pathAndQuery,
            request => request.Headers.TryAddWithoutValidation("Authorization", authorization), cancellationToken);
    }

    /// <summary>A GET without authentication (a server's keys, the legacy media API), up to the answer's headers.</summary>
    public Task<HttpResponseMessage> GetAsync(string destination, string pathAndQuery, CancellationToken cancellationToken) =>
        transport.SendAsync(destination, HttpMethod.Get, pathAndQuery, prepare: null, cancellationToken);
}
