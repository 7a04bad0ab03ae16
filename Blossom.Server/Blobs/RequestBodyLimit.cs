using Microsoft.AspNetCore.Http.Features;

namespace Blossom.Server;

/// <summary>Small JSON bodies (<c>/mirror</c>, <c>/report</c>) are capped however they are framed.</summary>
internal static class RequestBodyLimit
{
    /// <summary>
    /// Caps the body at <paramref name="maxBytes"/>: a chunked body declares no length, so the server
    /// stops reading it at the cap (reading on throws a 413 <see cref="BadHttpRequestException"/>)
    /// instead of draining it. False when <c>Content-Length</c> already says more.
    /// </summary>
    public static bool TryCap(HttpRequest request, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
            return false;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = maxBytes;
        return true;
    }

    public static bool IsTooLarge(this BadHttpRequestException exception) =>
        exception?.StatusCode == StatusCodes.Status413PayloadTooLarge;
}
