using System.Net.Http;
using Blossom.Core.Outbound;

namespace Blossom.Core.Federation;

/// <summary>
/// Sends requests to other Matrix servers: resolves the server name, sends to the destination's base URL
/// with its <c>Host</c> header (which .NET also uses for TLS SNI and the certificate's name), lets the
/// caller add headers such as the X-Matrix <c>Authorization</c>, and returns at the answer's headers.
/// Redirects are not followed: whether a federation answer's redirect is trusted is the caller's call.
/// </summary>
public sealed class FederationTransport : IDisposable
{
    private readonly FederationResolver _resolver;
    private readonly HttpClient _http;

    /// <summary>Production: every connection through <paramref name="guard"/>, certificates checked against the system's authorities.</summary>
    public FederationTransport(FederationResolver resolver, OriginGuard guard)
        : this(resolver, (guard ?? throw new ArgumentNullException(nameof(guard))).CreateHandler())
    {
    }

    /// <summary>Tests: a handler that trusts a test certificate.</summary>
    internal FederationTransport(FederationResolver resolver, HttpMessageHandler handler)
    {
        _resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        // The caller limits each request's time; a client-wide timeout would cut long media downloads.
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("BlossomServer/1.0 (federation)");
    }

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="pathAndQuery"/> (starting with one <c>/</c>) to
    /// <paramref name="serverName"/>; <paramref name="prepare"/> adds headers and content before it goes.
    /// </summary>
    /// <exception cref="ArgumentException">A malformed server name, or a path that is not absolute.</exception>
    /// <exception cref="HttpRequestException">No connection; an <see cref="OriginRefusedException"/> inside when the guard refused the address.</exception>
    public async Task<HttpResponseMessage> SendAsync(string serverName, HttpMethod method, string pathAndQuery, Action<HttpRequestMessage>? prepare, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        // "//host/..." would be a URL of another server, not a path on this one.
        if (!pathAndQuery.StartsWith('/') || pathAndQuery.StartsWith("//", StringComparison.Ordinal))
            throw new ArgumentException($"'{pathAndQuery}' is not an absolute path", nameof(pathAndQuery));

        var destination = await _resolver.ResolveAsync(serverName, cancellationToken);
        using var request = new HttpRequestMessage(method, new Uri(destination.BaseUrl, pathAndQuery));
        request.Headers.Host = destination.HostHeader;
        if (destination.OperatorChosen)
            request.Options.Set(OriginGuard.TrustedByOperator, true);
        prepare?.Invoke(request);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _http.Dispose();
}
