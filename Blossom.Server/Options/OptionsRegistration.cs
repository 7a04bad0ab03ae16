using System.ComponentModel.DataAnnotations;
using Blossom.Core.Blobs;
using Blossom.Core.Matrix;
using Blossom.Core.Media;
using Blossom.Core.Previews;
using Blossom.Core.Storage.S3;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class OptionsRegistration
{
    /// <summary>Binds every settings section and validates it at start-up, so a bad setting stops the server before it serves.</summary>
    public static IServiceCollection AddBlossomOptions(this IServiceCollection services)
    {
        Bind<BlossomOptions>(services, BlossomOptions.Section);
        Bind<StorageOptions>(services, StorageOptions.Section);
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        Bind<DatabaseOptions>(services, DatabaseOptions.Section);
        Bind<UploadOptions>(services, UploadOptions.Section);
        Bind<ListOptions>(services, ListOptions.Section);
        Bind<AuthOptions>(services, AuthOptions.Section);
        Bind<RateLimitOptions>(services, RateLimitOptions.Section);
        Bind<ProxyOptions>(services, ProxyOptions.Section);
        Bind<LogsOptions>(services, LogsOptions.Section);
        Bind<MetricsOptions>(services, MetricsOptions.Section);
        Bind<NodeOptions>(services, NodeOptions.Section);
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        Bind<MirrorOptions>(services, MirrorOptions.Section);
        Bind<AdminOptions>(services, AdminOptions.Section);
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        Bind<MediaOptions>(services, MediaOptions.Section);
        services.AddSingleton<IValidateOptions<MediaOptions>, MediaOptionsValidator>();
        Bind<MediaImageOptions>(services, MediaImageOptions.Section);
        Bind<MediaVideoOptions>(services, MediaVideoOptions.Section);
        services.AddSingleton<IValidateOptions<MediaVideoOptions>, MediaVideoOptionsValidator>();
        services.AddSingleton<IValidateOptions<BlossomOptions>, BlossomOptionsValidator>();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddSingleton<IValidateOptions<UploadOptions>, UploadOptionsValidator>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        Bind<PreviewOptions>(services, PreviewOptions.Section);
        services.AddSingleton<IValidateOptions<PreviewOptions>, PreviewOptionsValidator>();
        Bind<MatrixOptions>(services, MatrixOptions.Section);
        services.AddSingleton<IValidateOptions<MatrixOptions>, MatrixOptionsValidator>();
        return services;
    }

    /// <summary>The media settings as the core's recipe.</summary>
    public static MediaRecipe ToRecipe(this MediaImageOptions image, MediaVideoOptions video) => new(
        new ImageRecipe(image.MaxWidth, image.MaxHeight, image.Format, image.Quality, image.MaxPixels, image.MaxDecodeBytes, image.MaxFrames),
        new VideoRecipe(video.MaxHeight, video.MaxFps, video.Crf, video.Preset, video.MaxDurationSeconds, video.MaxInputDimension, video.AudioBitrateKbps, video.MaxTranscodeSeconds,
            video.Hls ? new HlsRecipe(video.HlsHeights.Length > 0 ? video.HlsHeights : MediaVideoOptions.DefaultHlsHeights, video.HlsSegmentSeconds) : null));

    /// <summary>The preview boxes as the core's: the defaults when none are set.</summary>
    public static PreviewSizes ToSizes(this PreviewOptions options) =>
        new(options.Sizes.Count == 0 ? PreviewSizes.Defaults : PreviewSizes.Parse(options.Sizes, out _)!);

    /// <summary>The Matrix thumbnail boxes as the core's: <c>Previews:Sizes</c> (or their defaults) when none are set.</summary>
    public static PreviewSizes ToThumbnailSizes(this MatrixOptions matrix, PreviewOptions previews) =>
        matrix.ThumbnailSizes.Count == 0 ? previews.ToSizes() : new(PreviewSizes.Parse(matrix.ThumbnailSizes, out _)!);

    /// <summary>The Matrix media rules as the core's: Upload:AllowedTypes, and Upload:MaxSizeBytes unless Matrix:MaxUploadBytes is set.</summary>
    public static MatrixMediaSettings ToMediaSettings(this MatrixOptions matrix, UploadOptions upload) => new(
        matrix.ServerName,
        upload.Limits(matrix.MaxUploadBytes > 0 ? matrix.MaxUploadBytes : upload.MaxSizeBytes),
        TimeSpan.FromSeconds(matrix.UnusedExpirySeconds),
        matrix.MaxPendingUploadsPerUser,
        TimeSpan.FromMilliseconds(matrix.MaxDownloadWaitMs));

    /// <summary>The preview limits as the core's; decoding is bounded by the media optimizer's budget, which bounds a worker's memory alike.</summary>
    public static PreviewLimits ToLimits(this PreviewOptions options, MediaImageOptions image) =>
        new(options.MaxSourceBytes, options.MaxSourcePixels, options.MaxVideoSeconds, TimeSpan.FromSeconds(options.TimeoutSeconds), image.MaxDecodeBytes,
            options.MaxAnimatedPixels);

    /// <summary>The bucket settings as the S3 store's.</summary>
    public static S3StoreSettings ToStoreSettings(this S3StorageOptions s3) =>
        new(s3.Endpoint, s3.Bucket, s3.Region, s3.AccessKey, s3.SecretKey, s3.ForcePathStyle, s3.Prefix, s3.PartSizeBytes);

    private static void Bind<T>(IServiceCollection services, string section) where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}

internal sealed class BlossomOptionsValidator : IValidateOptions<BlossomOptions>
{
    public ValidateOptionsResult Validate(string? name, BlossomOptions options) =>
        string.IsNullOrWhiteSpace(options.PublicUrl)
        || (Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Query.Length == 0)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"PublicUrl '{options.PublicUrl}' must be empty or an absolute http(s) URL such as https://cdn.example.com.");
}

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    private const string Example = "an Npgsql connection string such as Host=db;Username=blossom;Password=...;Database=blossom";

    /// <summary>With Postgres the SQLite default would be read as a host name: ask for a real connection string instead.</summary>
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (options.Provider != DatabaseOptions.Postgres)
            return ValidateOptionsResult.Success;
        if (options.ConnectionString == DatabaseOptions.DefaultConnectionString)
            return ValidateOptionsResult.Fail($"Database:Provider=Postgres needs Database:ConnectionString set to {Example}.");
        try
        {
            return string.IsNullOrEmpty(new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString).Host)
                ? ValidateOptionsResult.Fail($"Database:ConnectionString names no Host; Database:Provider=Postgres needs {Example}.")
                : ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"Database:ConnectionString is not {Example}: {e.Message}");
        }
    }
}

internal sealed class MediaOptionsValidator(IOptions<DatabaseOptions> database) : IValidateOptions<MediaOptions>
{
    // A web-only node hands its tasks to the others through the queue they share; alone, its tasks would never run.
    public ValidateOptionsResult Validate(string? name, MediaOptions options) =>
        options.Enabled && options.Workers == 0 && database.Value.Provider != DatabaseOptions.Postgres
            ? ValidateOptionsResult.Fail("Media:Workers=0 makes a web-only node whose tasks other nodes run; that needs the queue they share, Database:Provider=Postgres. Set Media:Workers to 1 or more, or Media:Enabled=false.")
            : ValidateOptionsResult.Success;
}

internal sealed class PreviewOptionsValidator : IValidateOptions<PreviewOptions>
{
    public ValidateOptionsResult Validate(string? name, PreviewOptions options) =>
        options.Sizes.Count == 0 || PreviewSizes.Parse(options.Sizes, out var problem) is not null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Previews:Sizes: {problem}; give sizes such as 320x240.");
}

internal sealed class MatrixOptionsValidator : IValidateOptions<MatrixOptions>
{
    /// <summary>Only an enabled Matrix API needs its server name and homeserver; the thumbnail sizes are checked always, like Previews:Sizes.</summary>
    public ValidateOptionsResult Validate(string? name, MatrixOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled)
        {
            // A server name is a host with an optional port (Matrix spec, "Server names"); it becomes the authority of mxc:// URIs.
            if (!Uri.TryCreate($"mxc://{options.ServerName}", UriKind.Absolute, out var mxc) || options.ServerName.Length == 0
                || !string.Equals(mxc.Authority, options.ServerName, StringComparison.OrdinalIgnoreCase) || mxc.AbsolutePath != "/")
                failures.Add($"Matrix:ServerName '{options.ServerName}' must be the homeserver's server name, a host with an optional port such as example.org, when Matrix:Enabled=true.");
            if (!Uri.TryCreate(options.HomeserverUrl, UriKind.Absolute, out var homeserver) || (homeserver.Scheme != Uri.UriSchemeHttp && homeserver.Scheme != Uri.UriSchemeHttps)
                || homeserver.Query.Length > 0)
                failures.Add($"Matrix:HomeserverUrl '{options.HomeserverUrl}' must be the homeserver's absolute http(s) URL, such as https://matrix.example.org, when Matrix:Enabled=true: access tokens are checked there.");
        }
        if (options.ThumbnailSizes.Count > 0 && PreviewSizes.Parse(options.ThumbnailSizes, out var problem) is null)
            failures.Add($"Matrix:ThumbnailSizes: {problem}; give sizes such as 320x240, or none to use Previews:Sizes.");
        // Data annotations are checked on the section's own members only, not on those of its subsection.
        var previewUrl = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options.PreviewUrl, new ValidationContext(options.PreviewUrl), previewUrl, validateAllProperties: true))
            failures.AddRange(previewUrl.Select(r => $"Matrix:PreviewUrl: {r.ErrorMessage}"));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    private const int MaxPresignedSeconds = 7 * 24 * 3600;
    private const long MaxPartSizeBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>The S3 settings only matter, and are only checked, when <c>Storage:Kind</c> is <c>S3</c>.</summary>
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        var accel = options.AccelRedirectPrefix;
        if (accel.Length > 0 && (accel[0] != '/' || accel.Any(c => c <= ' ' || c >= 0x7f || c is '?' or '#')))
            failures.Add($"Storage:AccelRedirectPrefix '{accel}' must be empty or an absolute path such as /_blobs (ASCII, no spaces, no ? or #).");
        if (accel.Length > 0 && options.Kind != "FileSystem")
            failures.Add("Storage:AccelRedirectPrefix needs Storage:Kind=FileSystem: the proxy in front serves the blob files from Storage:Path.");
        if (options.Kind != "S3")
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        var s3 = options.S3;
        if (!IsHttpUrl(s3.Endpoint))
            failures.Add($"Storage:S3:Endpoint '{s3.Endpoint}' must be the S3 API's absolute http(s) URL, e.g. https://s3.eu-west-1.amazonaws.com, when Storage:Kind=S3.");
        if (string.IsNullOrWhiteSpace(s3.Bucket))
            failures.Add("Storage:S3:Bucket must name an existing bucket when Storage:Kind=S3.");
        if (string.IsNullOrWhiteSpace(s3.Region))
            failures.Add("Storage:S3:Region must not be empty; us-east-1 suits most S3-compatible servers.");
        if ((s3.AccessKey.Length == 0) != (s3.SecretKey.Length == 0))
            failures.Add("Storage:S3:AccessKey and Storage:S3:SecretKey go together: set both, or neither to use the AWS SDK's credential chain.");
        if (s3.Prefix.StartsWith('/'))
            failures.Add($"Storage:S3:Prefix '{s3.Prefix}' must not start with '/': keys are relative to the bucket.");
        if (s3.PublicUrl.Length > 0 && !IsHttpUrl(s3.PublicUrl))
            failures.Add($"Storage:S3:PublicUrl '{s3.PublicUrl}' must be empty or an absolute http(s) URL.");
        if (s3.RedirectMode == S3RedirectMode.PublicUrl && s3.PublicUrl.Length == 0)
            failures.Add("Storage:S3:Redirect=PublicUrl needs Storage:S3:PublicUrl.");
        if (s3.PresignedUrlSeconds is < 1 or > MaxPresignedSeconds)
            failures.Add($"Storage:S3:PresignedUrlSeconds must be between 1 and {MaxPresignedSeconds} (7 days, the most S3 signs for).");
        if (s3.PartSizeBytes is < S3StoreSettings.MinPartSizeBytes or > MaxPartSizeBytes)
            failures.Add($"Storage:S3:PartSizeBytes must be between {S3StoreSettings.MinPartSizeBytes} (5 MiB) and {MaxPartSizeBytes} (5 GiB), the part sizes S3 accepts.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

internal sealed class UploadOptionsValidator : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        var failures = new List<string>();
        if (options.AllowedPubkeys.Count > 0 && !options.RequireAuth)
            failures.Add("Upload:AllowedPubkeys needs Upload:RequireAuth=true: without a token there is no pubkey to check.");
        failures.AddRange(options.AllowedPubkeys.Where(p => !BlobHash.IsValid(p)).Select(p => $"Upload:AllowedPubkeys entry '{p}' is not a 64-character lowercase hex pubkey."));
        failures.AddRange(options.AllowedTypes.Where(t => !t.Contains('/', StringComparison.Ordinal) && t != "*").Select(t => $"Upload:AllowedTypes entry '{t}' is not a MIME type or pattern like image/*."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    /// <summary>Entries are compared with the host of <c>server</c> tags, so only a bare host name can ever match.</summary>
    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        options.ServerNames.Where(n => Uri.CheckHostName(n) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            .Select(n => $"Auth:ServerNames entry '{n}' is not a bare host name such as blossom.example.com (no scheme, port or path).").ToList() is { Count: > 0 } failures
            ? ValidateOptionsResult.Fail(failures)
            : ValidateOptionsResult.Success;
}

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options) =>
        options.Pubkeys.Where(p => !BlobHash.IsValid(p)).Select(p => $"Admin:Pubkeys entry '{p}' is not a 64-character lowercase hex pubkey.").ToList() is { Count: > 0 } failures
            ? ValidateOptionsResult.Fail(failures)
            : ValidateOptionsResult.Success;
}

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options) => NetworkList.Validate(options.KnownProxies, "Proxy:KnownProxies");
}

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) => NetworkList.Validate(options.AllowedNetworks, "Metrics:AllowedNetworks");
}

/// <summary>Settings that list IP addresses or CIDR networks.</summary>
internal static class NetworkList
{
    public static ValidateOptionsResult Validate(IEnumerable<string> entries, string setting) =>
        entries.Where(p => !System.Net.IPNetwork.TryParse(p, out _) && !System.Net.IPAddress.TryParse(p, out _))
            .Select(p => $"{setting} entry '{p}' is not an IP address or CIDR network.").ToList() is { Count: > 0 } failures
            ? ValidateOptionsResult.Fail(failures)
            : ValidateOptionsResult.Success;
}

internal sealed class MediaVideoOptionsValidator : IValidateOptions<MediaVideoOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaVideoOptions options) =>
        options.HlsHeights.All(h => h is >= 144 and <= 4320)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Media:Video:HlsHeights must list short sides from 144 to 4320; it lists {string.Join(", ", options.HlsHeights)}.");
}
