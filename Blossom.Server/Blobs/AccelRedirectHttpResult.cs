using Microsoft.Net.Http.Headers;

namespace Blossom.Server;

/// <summary>
/// A blob answer whose bytes the proxy in front sends (<c>Storage:AccelRedirectPrefix</c>): 200 with the
/// blob's headers and <c>X-Accel-Redirect</c> naming its file, no body. nginx then serves the file with
/// sendfile, ranges and HEAD included. No Content-Length: it would promise bytes this answer does not
/// carry; nginx takes the length from the file.
/// </summary>
internal sealed class AccelRedirectHttpResult(string location, string contentType, long fileLength, EntityTagHeaderValue entityTag, DateTimeOffset lastModified) : IResult
{
    public const string Header = "X-Accel-Redirect";

    public string Location => location;

    public string ContentType => contentType;

    /// <summary>The blob's size, for the headers that depend on it (a preview is offered by size).</summary>
    public long FileLength => fileLength;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        var headers = response.Headers;
        headers[Header] = location;
        headers.ETag = entityTag.ToString();
        headers.LastModified = lastModified.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }
}
