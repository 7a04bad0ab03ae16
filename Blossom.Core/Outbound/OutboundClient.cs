using System.Net.Http;

namespace Blossom.Core.Outbound;

/// <summary>The origin redirected somewhere a mirror does not follow: another scheme, or too many hops.</summary>
public sealed class RedirectRefusedException : Exception
{
    public RedirectRefusedException(string message) : base(message) { }

    public RedirectRefusedException() { }

    public RedirectRefusedException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The one HTTP client mirror downloads use, its connections made by an <see cref="OriginGuard"/>.</summary>
public sealed class OutboundClient : IDisposable
{
    public const int MaxRedirects = RedirectFollowingHandler.MaxRedirects;

    private readonly HttpClient _http;

    public OutboundClient(OriginGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        // The caller limits each download's time; the client's own timeout would cut long bodies.
        _http = new HttpClient(new RedirectFollowingHandler(guard.CreateHandler())) { Timeout = Timeout.InfiniteTimeSpan };
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
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _http.Dispose();
}
