using System.ComponentModel.DataAnnotations;
using Blossom.Core.Storage.S3;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>Where blob bytes live.</summary>
public enum StorageKind
{
    /// <summary>Files under <c>Storage:Path</c>.</summary>
    FileSystem,
    /// <summary>An S3-compatible bucket, <c>Storage:S3:*</c>.</summary>
    S3,
}

/// <summary><c>Blossom:Storage</c>: where blob bytes live.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Blossom:Storage";

    /// <summary><c>FileSystem</c> (default): blobs under <see cref="Path"/>. <c>S3</c>: blobs in the bucket of <see cref="S3"/>.</summary>
    public StorageKind Kind { get; set; } = StorageKind.FileSystem;

    /// <summary>
    /// Folder of the blobs, relative to the working directory unless absolute. Default <c>data/blobs</c>.
    /// With <c>S3</c>, only uploads being received and copies made for the media tools live here: one folder per node.
    /// </summary>
    [Required]
    public string Path { get; set; } = "data/blobs";

    /// <summary><c>Blossom:Storage:S3</c>, used when <see cref="Kind"/> is <c>S3</c>.</summary>
    public S3StorageOptions S3 { get; set; } = new();

    /// <summary>
    /// Empty (default): the server sends blob bytes itself. Set, e.g. <c>/_blobs</c>, with the file-system store:
    /// a GET of a stored blob is answered with its headers and <c>X-Accel-Redirect: &lt;prefix&gt;/ab/cd/&lt;sha256&gt;</c>
    /// and no body, for an nginx in front whose <c>internal</c> location of that prefix serves <see cref="Path"/>
    /// with sendfile, which Kestrel cannot.
    /// </summary>
    public string AccelRedirectPrefix { get; set; } = "";

    /// <summary>
    /// Blobs up to this many bytes are kept as rows of the database instead of files or objects. Default 16 KiB:
    /// a small blob as a file costs an inode, a file fsync, a rename and a folder fsync, as a row its share of one
    /// commit per batch of uploads. 16 KiB covers the typical small payloads (JSON, icons, thumbnails) while each
    /// upload in progress holds at most that much in memory and each row stays a few database pages. 0: off.
    /// </summary>
    public int SmallBlobMaxBytes { get; set; } = 16 * 1024;

    /// <summary>The largest <see cref="SmallBlobMaxBytes"/>: each upload in progress holds up to that much in memory.</summary>
    public const int MaxSmallBlobMaxBytes = 1024 * 1024;

    private const int MaxPresignedSeconds = 7 * 24 * 3600;
    private const long MaxPartSizeBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>The S3 settings only matter, and are only checked, when <see cref="Kind"/> is <c>S3</c>.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var accel = AccelRedirectPrefix;
        if (accel.Length > 0 && (accel[0] != '/' || accel.Any(c => c <= ' ' || c >= 0x7f || c is '?' or '#')))
            yield return new($"Storage:AccelRedirectPrefix '{accel}' must be empty or an absolute path such as /_blobs (ASCII, no spaces, no ? or #).");
        if (accel.Length > 0 && Kind != StorageKind.FileSystem)
            yield return new("Storage:AccelRedirectPrefix needs Storage:Kind=FileSystem: the proxy in front serves the blob files from Storage:Path.");
        if (SmallBlobMaxBytes is < 0 or > MaxSmallBlobMaxBytes)
            yield return new($"Storage:SmallBlobMaxBytes must be between 0 (off) and {MaxSmallBlobMaxBytes} (1 MiB): each upload in progress holds up to that much in memory.");
        if (Kind != StorageKind.S3)
            yield break;
        if (!IsHttpUrl(S3.Endpoint))
            yield return new($"Storage:S3:Endpoint '{S3.Endpoint}' must be the S3 API's absolute http(s) URL, e.g. https://s3.eu-west-1.amazonaws.com, when Storage:Kind=S3.");
        if (string.IsNullOrWhiteSpace(S3.Bucket))
            yield return new("Storage:S3:Bucket must name an existing bucket when Storage:Kind=S3.");
        if (string.IsNullOrWhiteSpace(S3.Region))
            yield return new("Storage:S3:Region must not be empty; us-east-1 suits most S3-compatible servers.");
        if ((S3.AccessKey.Length == 0) != (S3.SecretKey.Length == 0))
            yield return new("Storage:S3:AccessKey and Storage:S3:SecretKey go together: set both, or neither to use the AWS SDK's credential chain.");
        if (S3.Prefix.StartsWith('/'))
            yield return new($"Storage:S3:Prefix '{S3.Prefix}' must not start with '/': keys are relative to the bucket.");
        if (S3.PublicUrl.Length > 0 && !IsHttpUrl(S3.PublicUrl))
            yield return new($"Storage:S3:PublicUrl '{S3.PublicUrl}' must be empty or an absolute http(s) URL.");
        if (S3.RedirectMode == S3RedirectMode.PublicUrl && S3.PublicUrl.Length == 0)
            yield return new("Storage:S3:Redirect=PublicUrl needs Storage:S3:PublicUrl.");
        if (S3.PresignedUrlSeconds is < 1 or > MaxPresignedSeconds)
            yield return new($"Storage:S3:PresignedUrlSeconds must be between 1 and {MaxPresignedSeconds} (7 days, the most S3 signs for).");
        if (S3.PartSizeBytes is < S3StoreSettings.MinPartSizeBytes or > MaxPartSizeBytes)
            yield return new($"Storage:S3:PartSizeBytes must be between {S3StoreSettings.MinPartSizeBytes} (5 MiB) and {MaxPartSizeBytes} (5 GiB), the part sizes S3 accepts.");
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

/// <summary>Checks <see cref="StorageOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
