using System.ComponentModel.DataAnnotations;
using Blossom.Core.Federation;

namespace Blossom.Server;

/// <summary>
/// <c>Blossom:Matrix:Federation</c>: media across Matrix servers. Other servers fetch this server's media
/// from <c>/_matrix/federation/v1/media/*</c> with signed requests; this server's users get other servers'
/// media, fetched with requests signed by <c>Matrix:SigningKeyPath</c> and kept in the remote media cache.
/// </summary>
public sealed class MatrixFederationOptions : IValidatableObject
{
    /// <summary>Server names sent to a fixed base URL instead of being discovered (private federations, tests).</summary>
    public List<MatrixKnownServerOptions> KnownServers { get; set; } = [];

    /// <summary>The only servers federation talks with, both ways. Empty (default): every server not denied.</summary>
    public List<string> AllowedServers { get; set; } = [];

    /// <summary>Servers federation does not talk with, both ways: their requests get 403 <c>M_FORBIDDEN</c>, their media are not fetched. Default none.</summary>
    public List<string> DeniedServers { get; set; } = [];

    /// <summary>
    /// Notaries asked for other servers' keys (<c>/_matrix/key/v2/query</c>), in order, before asking the servers
    /// themselves, as Synapse's <c>trusted_key_servers</c>. Default none: keys are fetched from each server.
    /// </summary>
    public List<string> TrustedKeyServers { get; set; } = [];

    /// <summary>The largest remote media fetched. 0 (default): <c>Matrix:MaxUploadBytes</c>.</summary>
    [Range(0, long.MaxValue)]
    public long RemoteMediaMaxBytes { get; set; }

    /// <summary>The longest one remote fetch may take, answer and bytes together. Default 60 s.</summary>
    [Range(1, 3600)]
    public int RemoteFetchTimeoutSeconds { get; set; } = 60;

    /// <summary>Remote fetches at once; one more is answered 429 <c>M_LIMIT_EXCEEDED</c>. Default 16.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentRemoteFetches { get; set; } = 16;

    /// <summary>The bytes the remote media cache may hold; the least recently used go first. 0 (default): no limit.</summary>
    [Range(0, long.MaxValue)]
    public long RemoteCacheMaxBytes { get; set; }

    /// <summary>Remote media not served for this many days leave the cache (fetched again when asked). Default 90; 0: kept.</summary>
    [Range(0, 36_500)]
    public int RemoteCacheMaxAgeDays { get; set; } = 90;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var known in KnownServers)
        {
            if (!MatrixServerName.TryParse(known.Name, out _, out _))
                yield return new($"Matrix:Federation:KnownServers: '{known.Name}' is not a Matrix server name (a host with an optional port).");
            if (!Uri.TryCreate(known.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.PathAndQuery != "/")
                yield return new($"Matrix:Federation:KnownServers: the URL of '{known.Name}' must be an absolute http(s) base URL without a path, such as https://matrix.example.org:8448, not '{known.Url}'.");
        }
        foreach (var name in AllowedServers.Concat(DeniedServers).Concat(TrustedKeyServers).Where(n => !MatrixServerName.TryParse(n, out _, out _)))
            yield return new($"Matrix:Federation: '{name}' is not a Matrix server name (a host with an optional port).");
    }
}

/// <summary>A server name and the base URL its federation requests go to.</summary>
public sealed class MatrixKnownServerOptions
{
    public string Name { get; set; } = "";

    public string Url { get; set; } = "";
}
