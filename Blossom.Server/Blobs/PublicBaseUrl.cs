using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>The server's public address: <c>PublicUrl</c> when set, else the address the request came to.</summary>
internal sealed class PublicBaseUrl(IOptions<BlossomOptions> options)
{
    private readonly Uri? _configured = string.IsNullOrWhiteSpace(options.Value.PublicUrl) ? null : new Uri(options.Value.PublicUrl.TrimEnd('/'));

    /// <summary>Scheme, host and path prefix, without a trailing slash; descriptor URLs start with it.</summary>
    public string For(HttpRequest request) =>
        _configured?.ToString().TrimEnd('/') ?? $"{request.Scheme}://{request.Host.Value}{request.PathBase.Value}";
}
