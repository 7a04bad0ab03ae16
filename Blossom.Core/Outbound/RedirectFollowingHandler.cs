using System.Net;
using System.Net.Http;

namespace Blossom.Core.Outbound;

/// <summary>
/// Follows redirects itself, at most <see cref="MaxRedirects"/> of them and each to an http or https
/// URL, because the guard's handler follows none (it would try an <c>ftp:</c> hop as HTTP). Every hop
/// is a new request through the inner handler, so each one opens its connection through the guard.
/// Only requests without a body are followed; a redirect of any other request is the answer.
/// </summary>
public sealed class RedirectFollowingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public const int MaxRedirects = 5;

    /// <summary>Headers that belong to the first origin and are not sent on to another.</summary>
    private static readonly HashSet<string> OriginHeaders = new(StringComparer.OrdinalIgnoreCase) { "Host", "Authorization", "Cookie" };

    /// <exception cref="RedirectRefusedException">A redirect leads to another scheme, or there are too many.</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Content is not null)
            return response;
        var url = request.RequestUri!;
        for (var redirects = 0; ; redirects++)
        {
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
                return response;
            response.Dispose();
            if (redirects == MaxRedirects)
                throw new RedirectRefusedException($"The origin redirected more than {MaxRedirects} times");
            url = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
                throw new RedirectRefusedException($"The origin redirected to a {url.Scheme}: URL; only http and https are followed");
            using var hop = new HttpRequestMessage(request.Method, url) { Version = request.Version, VersionPolicy = request.VersionPolicy };
            foreach (var (name, values) in request.Headers)
                if (!OriginHeaders.Contains(name))
                    hop.Headers.TryAddWithoutValidation(name, values);
            response = await base.SendAsync(hop, cancellationToken);
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MultipleChoices or HttpStatusCode.MovedPermanently
        or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
}
