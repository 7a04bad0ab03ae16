using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// Blobs are anyone's bytes served from this server's origin, the origin of the landing page that
/// asks a signing extension for tokens. Every blob answer is therefore inert: the browser must not
/// guess a type, must not run anything in the answer, and downloads what it would otherwise render
/// as an active document.
/// </summary>
internal static class InertBlobHeaders
{
    /// <summary>No source is trusted, and the answer runs in an opaque origin even when opened directly.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; sandbox";

    public static void Apply(HttpResponse response, string mediaType)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (MediaTypes.IsActiveContent(mediaType))
            headers.ContentDisposition = "attachment";
    }
}
