using System.ComponentModel.DataAnnotations;
using Blossom.Core.Matrix;
using Blossom.Core.Previews;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Blossom:Matrix</c>: the Matrix content repository (media API, MSC2246 async uploads) on the same
/// blob store, for a homeserver whose reverse proxy sends its media routes here. Off by default.
/// </summary>
public sealed class MatrixOptions : IValidatableObject
{
    public const string Section = "Blossom:Matrix";

    /// <summary>Whether the <c>/_matrix/media</c> and <c>/_matrix/client/v1/media</c> routes are served. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The homeserver's server name, the authority of <c>mxc://</c> URIs, e.g. <c>example.org</c>. Required when enabled.</summary>
    public string ServerName { get; set; } = "";

    /// <summary>Where access tokens are checked (<c>GET /_matrix/client/v3/account/whoami</c>), e.g. <c>https://matrix.example.org</c>. Required when enabled.</summary>
    public string HomeserverUrl { get; set; } = "";

    /// <summary>Largest Matrix upload, also shown as <c>m.upload.size</c>. 0 (default): <c>Upload:MaxSizeBytes</c>.</summary>
    [Range(0, long.MaxValue)]
    public long MaxUploadBytes { get; set; }

    /// <summary>How long a created media id (<c>POST /_matrix/media/v1/create</c>) waits for its upload. Default 86400 s, MSC2246's 24 hours.</summary>
    [Range(1, 30 * 86400)]
    public int UnusedExpirySeconds { get; set; } = 86400;

    /// <summary>Created ids one user may have waiting for their upload; one more is answered 429 <c>M_LIMIT_EXCEEDED</c>. Default 10.</summary>
    [Range(1, 100_000)]
    public int MaxPendingUploadsPerUser { get; set; } = 10;

    /// <summary>The cap on a download's or thumbnail's <c>timeout_ms</c> (its default too, as the spec's 20 s). Default 20000.</summary>
    [Range(0, 300_000)]
    public int MaxDownloadWaitMs { get; set; } = 20_000;

    /// <summary>How long a checked access token is trusted without asking the homeserver again. Default 60 s.</summary>
    [Range(0, 3600)]
    public int TokenCacheSeconds { get; set; } = 60;

    /// <summary>How long a token the homeserver refused (or a guest's) is answered 401 <c>M_UNKNOWN_TOKEN</c> without asking again. Default 10 s; 0: asked every time.</summary>
    [Range(0, 3600)]
    public int UnknownTokenCacheSeconds { get; set; } = 10;

    /// <summary>Token checks the homeserver refuses that one client address may cause a minute; beyond, 429 <c>M_LIMIT_EXCEEDED</c> until the minute ends. Default 20; 0: no limit.</summary>
    [Range(0, 1_000_000)]
    public int FailedTokenChecksPerIpPerMinute { get; set; } = 20;

    /// <summary>Token checks sent to the homeserver at once. Default 8.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentTokenChecks { get; set; } = 8;

    /// <summary>Token checks that may wait (up to 10 s) for one of <see cref="MaxConcurrentTokenChecks"/>; beyond, 429 <c>M_LIMIT_EXCEEDED</c>. Default 100.</summary>
    [Range(0, 100_000)]
    public int TokenCheckQueueLimit { get; set; } = 100;

    /// <summary>Thumbnail boxes as <c>WIDTHxHEIGHT</c>. Empty (default): <c>Previews:Sizes</c>.</summary>
    public List<string> ThumbnailSizes { get; set; } = [];

    /// <summary>
    /// The homeserver's Ed25519 signing key, a file in Synapse's <c>signing.key</c> format (<c>ed25519 &lt;id&gt; &lt;base64 seed&gt;</c>),
    /// which signs this server's federation requests for remote media. Empty (default): remote media are not fetched.
    /// </summary>
    public string SigningKeyPath { get; set; } = "";

    /// <summary>Media across Matrix servers: known servers, allow and deny lists, key notaries, the remote media cache.</summary>
    [ValidateObjectMembers]
    public MatrixFederationOptions Federation { get; set; } = new();

    /// <summary><c>GET preview_url</c>: OpenGraph previews of web pages.</summary>
    [ValidateObjectMembers]
    public MatrixPreviewUrlOptions PreviewUrl { get; set; } = new();

    /// <summary>Only an enabled Matrix API needs its server name and homeserver; the thumbnail sizes are checked always, like Previews:Sizes.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled)
        {
            // A server name is a host with an optional port (Matrix spec, "Server names"); it becomes the authority of mxc:// URIs.
            if (!Uri.TryCreate($"mxc://{ServerName}", UriKind.Absolute, out var mxc) || ServerName.Length == 0
                || !string.Equals(mxc.Authority, ServerName, StringComparison.OrdinalIgnoreCase) || mxc.AbsolutePath != "/")
                yield return new($"Matrix:ServerName '{ServerName}' must be the homeserver's server name, a host with an optional port such as example.org, when Matrix:Enabled=true.");
            if (!Uri.TryCreate(HomeserverUrl, UriKind.Absolute, out var homeserver) || (homeserver.Scheme != Uri.UriSchemeHttp && homeserver.Scheme != Uri.UriSchemeHttps)
                || homeserver.Query.Length > 0)
                yield return new($"Matrix:HomeserverUrl '{HomeserverUrl}' must be the homeserver's absolute http(s) URL, such as https://matrix.example.org, when Matrix:Enabled=true: access tokens are checked there.");
            if (SigningKeyPath.Length > 0 && !File.Exists(SigningKeyPath))
                yield return new($"Matrix:SigningKeyPath '{SigningKeyPath}' names no file: give the homeserver's signing.key, or leave it empty to fetch no remote media.");
        }
        if (ThumbnailSizes.Count > 0 && PreviewSizes.Parse(ThumbnailSizes, out var problem) is null)
            yield return new($"Matrix:ThumbnailSizes: {problem}; give sizes such as 320x240, or none to use Previews:Sizes.");
    }

    /// <summary>The Matrix thumbnail boxes as the core's: <c>Previews:Sizes</c> (or their defaults) when none are set.</summary>
    public PreviewSizes ToThumbnailSizes(PreviewOptions previews) =>
        ThumbnailSizes.Count == 0 ? previews.ToSizes() : new(PreviewSizes.Parse(ThumbnailSizes, out _)!);

    /// <summary>The Matrix media rules as the core's: Upload:AllowedTypes, and Upload:MaxSizeBytes unless Matrix:MaxUploadBytes is set.</summary>
    public MatrixMediaSettings ToMediaSettings(UploadOptions upload) => new(
        ServerName,
        upload.Limits(MaxUploadBytes > 0 ? MaxUploadBytes : upload.MaxSizeBytes),
        TimeSpan.FromSeconds(UnusedExpirySeconds),
        MaxPendingUploadsPerUser,
        TimeSpan.FromMilliseconds(MaxDownloadWaitMs));
}

/// <summary>Checks <see cref="MatrixOptions"/> at start-up: its attributes, those of <c>PreviewUrl</c> and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class MatrixOptionsValidator : IValidateOptions<MatrixOptions>;
