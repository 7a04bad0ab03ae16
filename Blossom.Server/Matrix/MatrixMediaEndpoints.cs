// The Matrix content repository (client-server API, "Content repository", with MSC2246 async uploads):
// the legacy /_matrix/media/v3/* and /_matrix/media/v1/create, and the authenticated
// /_matrix/client/v1/media/* of Matrix 1.11. preview_url lives in MatrixPreviewUrlEndpoints.
using System.Globalization;
using Blossom.Core.Blobs;
using Blossom.Core.Matrix;
using Blossom.Core.Previews;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Blossom.Server;

internal static class MatrixMediaEndpoints
{
    private const string MediaRoute = "/{serverName}/{mediaId}";

    /// <summary>The spec's default <c>timeout_ms</c>; the server's cap (<c>Matrix:MaxDownloadWaitMs</c>) still applies.</summary>
    private static readonly TimeSpan DefaultWait = TimeSpan.FromMilliseconds(20_000);

    private static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(5);

    public static void MapMatrixMediaEndpoints(this IEndpointRouteBuilder app)
    {
        var legacy = app.MapGroup(MatrixRoutes.LegacyPrefix).WithTags("Matrix media (legacy)");
        var legacyWrites = legacy.MapGroup("").RequireMatrixUser(allowsQueryToken: true);
        legacyWrites.MapPost("/upload", UploadAsync)
            .WithName("MatrixUpload")
            .WithSummary("Uploads media and answers its new mxc:// URI.");
        legacyWrites.MapPut("/upload" + MediaRoute, UploadToAsync)
            .WithName("MatrixUploadTo")
            .WithSummary("The bytes of an mxc:// URI made by POST /_matrix/media/v1/create (MSC2246), by its creator, once.");
        legacyWrites.MapGet("/config", GetConfig).WithName("MatrixConfig").WithSummary("The largest upload, m.upload.size.");
        var legacyReads = legacy.MapGroup("").WithIpRateLimit(IpRateLimit.Reads);
        MapReads(legacyReads, "MatrixLegacy");

        app.MapGroup("/_matrix/media/v1").WithTags("Matrix media (legacy)").RequireMatrixUser(allowsQueryToken: true)
            .MapPost("/create", CreateAsync)
            .WithName("MatrixCreate")
            .WithSummary("A new mxc:// URI whose bytes come later (MSC2246), with the time it expires unused.");

        var authenticated = app.MapGroup(MatrixRoutes.AuthenticatedPrefix).WithTags("Matrix media").RequireMatrixUser(allowsQueryToken: false);
        authenticated.MapGet("/config", GetConfig).WithName("MatrixClientConfig").WithSummary("The largest upload, m.upload.size.");
        MapReads(authenticated.MapGroup("").WithIpRateLimit(IpRateLimit.Reads), "MatrixClient");
    }

    private static void MapReads(RouteGroupBuilder group, string prefix)
    {
        group.MapGet("/download" + MediaRoute, DownloadAsync)
            .WithName(prefix + "Download")
            .WithSummary("The media's bytes, waiting up to timeout_ms for a created id's upload; ranges, allow_redirect.");
        group.MapGet("/download" + MediaRoute + "/{fileName}", DownloadAsync)
            .WithName(prefix + "DownloadWithName")
            .WithSummary("The media's bytes under another file name.");
        group.MapGet("/thumbnail" + MediaRoute, ThumbnailAsync)
            .WithName(prefix + "Thumbnail")
            .WithSummary("A thumbnail of the media in the nearest size this server makes (width, height, method=crop|scale, animated).");
    }

    /// <summary>What the media handlers use, bound as one parameter.</summary>
    internal sealed record MatrixServices(
        MatrixMediaService Media, MatrixRemoteMediaService Remote, IMatrixQuarantine Quarantine, BlobService Blobs, BlobResponses Responses, BlobRedirects Redirects,
        PublicBaseUrl BaseUrl, PreviewService Previews, IOptions<PreviewOptions> PreviewOptions, MatrixThumbnailSizes ThumbnailSizes);

    internal static async Task<Results<Ok<MatrixContentUri>, MatrixError>> UploadAsync(
        HttpContext context, MatrixMediaService media, string? filename, CancellationToken cancellationToken)
    {
        var result = await media.UploadAsync(Describe(context, filename), cancellationToken);
        if (result.Refusal is { } refusal)
            return ToMatrixError(refusal);
        return TypedResults.Ok(new MatrixContentUri(media.ContentUri(result.Value.MediaId)));
    }

    /// <summary>The body (a JSON object, possibly empty, by the spec) says nothing: it is not read.</summary>
    internal static async Task<Results<Ok<MatrixCreatedContent>, MatrixError>> CreateAsync(
        HttpContext context, MatrixMediaService media, CancellationToken cancellationToken)
    {
        var result = await media.CreateAsync(context.MatrixUserId(), cancellationToken);
        if (result.Refusal is { } refusal)
            return ToMatrixError(refusal);
        var created = result.Value;
        return TypedResults.Ok(new MatrixCreatedContent(media.ContentUri(created.MediaId), created.UnusedExpires!.Value.ToUnixTimeMilliseconds()));
    }

    internal static async Task<Results<Ok<MatrixEmptyObject>, MatrixError>> UploadToAsync(
        string serverName, string mediaId, HttpContext context, MatrixMediaService media, string? filename, CancellationToken cancellationToken)
    {
        if (!media.IsLocal(serverName))
            return MatrixError.NotFound("Media ids of other servers cannot be uploaded to here");
        var result = await media.UploadToAsync(mediaId, Describe(context, filename), cancellationToken);
        if (result.Refusal is { } refusal)
            return ToMatrixError(refusal);
        return TypedResults.Ok(new MatrixEmptyObject());
    }

    internal static Ok<MatrixMediaConfig> GetConfig(MatrixMediaService media) =>
        TypedResults.Ok(new MatrixMediaConfig(media.Settings.Limits.MaxSizeBytes));

    /// <summary>
    /// The media's bytes through the blob GET machinery (ranges, ETag, the inert headers), as the
    /// type it was uploaded with, with the <c>Content-Disposition</c> of its (or the route's) file
    /// name. <c>allow_redirect=true</c> is answered 307 to the blob's own URL (or the bucket's, when
    /// blob GETs redirect there).
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, FileStreamHttpResult, WholeFileHttpResult, RedirectHttpResult, MatrixError>> DownloadAsync(
        string serverName, string mediaId, string? fileName, HttpContext context, [AsParameters] MatrixServices services, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        if (await FindAsync(serverName, mediaId, query, services, cancellationToken) is not { } found)
            return Unfound(mediaId, query);
        if (found.Refusal is { } refusal)
            return ToMatrixError(refusal);
        var (media, blob) = found.Value;
        if (IsTrue(query["allow_redirect"]))
        {
            var location = await services.Redirects.ForAsync(blob, cancellationToken) ?? new Uri($"{services.BaseUrl.For(context.Request)}/{blob.Sha256}");
            return TypedResults.Redirect(location.AbsoluteUri, permanent: false, preserveMethod: true);
        }
        var type = media.ContentType ?? blob.Type;
        var served = await services.Responses.ServeAsync(blob, type, BlobResponses.Immutable, context, cancellationToken);
        if (served.Result is BlossomError)
            return MatrixError.NotFound("Media not found");
        // A file name in the route arrives with '/' still encoded; it must not escape the last segment.
        var name = fileName?.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase) ?? media.FileName;
        ApplyMediaHeaders(context.Response, type, name);
        return served.Result switch
        {
            FileContentHttpResult bytes => bytes,
            WholeFileHttpResult file => file,
            _ => (FileStreamHttpResult)served.Result,
        };
    }

    /// <summary>
    /// A thumbnail by the preview engine: <c>width</c> and <c>height</c> (required) and <c>method</c>
    /// are snapped to the allowed sizes, made once and kept as a blob of its own. JPEG, or PNG for
    /// sources that may be transparent; WebP when <c>animated=true</c>.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, FileStreamHttpResult, WholeFileHttpResult, MatrixError>> ThumbnailAsync(
        string serverName, string mediaId, HttpContext context, [AsParameters] MatrixServices services, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var request = ReadThumbnailRequest(query, services);
        if (request.Refusal is { } invalid)
            return invalid;
        if (await FindAsync(serverName, mediaId, query, services, cancellationToken) is not { } found)
            return Unfound(mediaId, query);
        BlobRecord thumbnail;
        if (found.Refusal is { Kind: MatrixRefusalKind.RemoteTooLarge })
        {
            // Too large to fetch whole: the remote server's own thumbnail, kept beside it in the cache.
            var remote = await services.Remote.GetThumbnailAsync(serverName, mediaId, RemoteThumbnailOf(request.Value, services), cancellationToken);
            if (remote.Refusal is { } remoteRefusal)
                return ToMatrixError(remoteRefusal);
            thumbnail = remote.Value.Blob with { Type = remote.Value.Media.ContentType ?? remote.Value.Blob.Type };
        }
        else if (found.Refusal is { } refusal)
        {
            return ToMatrixError(refusal);
        }
        else
        {
            var made = await MakeThumbnailAsync(found.Value, request.Value, services, cancellationToken);
            if (made.Refusal is { } refused)
                return refused;
            thumbnail = made.Value;
        }
        var served = await services.Responses.ServeAsync(thumbnail, thumbnail.Type, PreviewOffer.Caching, context, cancellationToken);
        if (served.Result is BlossomError)
            return MatrixError.NotFound("Media not found");
        context.Response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        return served.Result switch
        {
            FileContentHttpResult bytes => bytes,
            WholeFileHttpResult file => file,
            _ => (FileStreamHttpResult)served.Result,
        };
    }

    /// <summary>A thumbnail request's parameters, checked before any lookup: <c>width</c> and <c>height</c> required, <c>method</c> and <c>animated</c> as the spec spells them.</summary>
    internal static Blossom.Core.Outcome<MatrixThumbnailRequest, MatrixError> ReadThumbnailRequest(IQueryCollection query, MatrixServices services)
    {
        if (!TryPixels(query["width"], out var width) || !TryPixels(query["height"], out var height))
            return new(null!, MatrixError.InvalidParam("width and height must be positive whole numbers of pixels"));
        PreviewMethod? method = Text(query["method"]) switch
        {
            null or "scale" => PreviewMethod.Scale,
            "crop" => PreviewMethod.Crop,
            _ => null,
        };
        if (method is null)
            return new(null!, MatrixError.InvalidParam("method must be crop or scale"));
        bool? animated = Text(query["animated"]) switch
        {
            null or "false" => false,
            "true" => true,
            _ => null,
        };
        if (animated is null)
            return new(null!, MatrixError.InvalidParam("animated must be true or false"));
        if (!services.PreviewOptions.Value.Enabled)
            return new(null!, MatrixError.Unknown(StatusCodes.Status400BadRequest, "Thumbnails are turned off on this server"));
        return new(new MatrixThumbnailRequest(width, height, method.Value, animated.Value), null);
    }

    /// <summary>What a thumbnail request asks of a remote server: the box snapped to this server's sizes, so a few variants are kept.</summary>
    private static RemoteThumbnail RemoteThumbnailOf(MatrixThumbnailRequest request, MatrixServices services)
    {
        var box = services.ThumbnailSizes.Sizes.Snap(request.Width, request.Height, request.Method, PreviewFormat.Jpeg, animated: false);
        return new RemoteThumbnail(box.Width, box.Height, request.Method == PreviewMethod.Crop ? "crop" : "scale", request.Animated);
    }

    /// <summary>The thumbnail of found media, made once by the preview engine and kept as a blob: JPEG, or PNG for sources that may be transparent.</summary>
    internal static async Task<Blossom.Core.Outcome<BlobRecord, MatrixError>> MakeThumbnailAsync(
        MatrixContent content, MatrixThumbnailRequest request, MatrixServices services, CancellationToken cancellationToken)
    {
        var sourceType = content.Media.ContentType ?? content.Blob.Type;
        var format = sourceType is "image/png" or "image/gif" or "image/webp" ? PreviewFormat.Png : PreviewFormat.Jpeg;
        var spec = services.ThumbnailSizes.Sizes.Snap(request.Width, request.Height, request.Method, format, request.Animated);
        var result = await services.Previews.GetOrCreateAsync(content.Blob.Sha256, spec, cancellationToken);
        if (result.Preview is { } preview)
            return new(preview, null);
        return new(null!, result.Kind switch
        {
            PreviewRefusalKind.NotFound => MatrixError.NotFound("Media not found"),
            PreviewRefusalKind.Busy => MatrixError.LimitExceeded(result.Refusal ?? "Too many thumbnails are being made", BusyRetry),
            _ => MatrixError.Unknown(StatusCodes.Status400BadRequest, $"Cannot generate thumbnails for the requested content: {result.Refusal}"),
        });
    }

    /// <summary>
    /// The inert blob headers are set by the blob machinery; a Matrix download adds the disposition
    /// and, as the spec asks, lets web clients on other origins embed it.
    /// </summary>
    private static void ApplyMediaHeaders(HttpResponse response, string type, string? fileName)
    {
        response.Headers.ContentDisposition = MatrixContentDisposition.For(type, fileName);
        response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
    }

    /// <summary>
    /// The media: this server's, waiting for a created id's upload up to <c>timeout_ms</c>; another
    /// server's from the remote media cache, fetched over federation unless <c>allow_remote=false</c>.
    /// Quarantined media are not found. Null when the id cannot be this server's or <c>timeout_ms</c>
    /// is unsound, answered by <see cref="Unfound"/>.
    /// </summary>
    private static async Task<Blossom.Core.Outcome<MatrixContent, MatrixRefusal>?> FindAsync(
        string serverName, string mediaId, IQueryCollection query, MatrixServices services, CancellationToken cancellationToken)
    {
        if (Wait(query) is not { } wait)
            return null;
        if (!services.Media.IsLocal(serverName))
            return await services.Remote.GetAsync(serverName, mediaId, allowRemote: Text(query["allow_remote"]) is not ("false" or "0"), cancellationToken);
        return await FindLocalAsync(mediaId, wait, services, cancellationToken);
    }

    /// <summary>This server's media, unless quarantined, waiting up to <paramref name="wait"/> for a created id's upload; null for an id this server never makes.</summary>
    internal static async Task<Blossom.Core.Outcome<MatrixContent, MatrixRefusal>?> FindLocalAsync(
        string mediaId, TimeSpan wait, MatrixServices services, CancellationToken cancellationToken)
    {
        if (!MatrixMediaService.IsValidMediaId(mediaId))
            return null;
        if (await services.Quarantine.IsQuarantinedAsync(services.Media.Settings.ServerName.ToLowerInvariant(), mediaId, cancellationToken))
            return MatrixResult.Refused<MatrixContent>(new(MatrixRefusalKind.NotFound, "Media not found"));
        return await services.Media.WaitForAsync(mediaId, wait, cancellationToken);
    }

    internal static MatrixError Unfound(string mediaId, IQueryCollection query) =>
        Wait(query) is null ? MatrixError.InvalidParam("timeout_ms must be a whole number of milliseconds, 0 or more")
        : MatrixError.NotFound($"No media {mediaId} here");

    /// <summary><c>timeout_ms</c>, the spec's default when absent; null when it is not a whole number of milliseconds, or negative.</summary>
    internal static TimeSpan? Wait(IQueryCollection query)
    {
        if (Text(query["timeout_ms"]) is not { } text)
            return DefaultWait;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms) || ms < 0)
            return null;
        return TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, (long)TimeSpan.MaxValue.TotalMilliseconds / 2));
    }

    private static Core.Matrix.MatrixUpload Describe(HttpContext context, string? fileName)
    {
        var type = context.Request.ContentType is { Length: > 0 } given ? MediaTypes.Normalize(given) : MediaTypes.OctetStream;
        var upload = RequestBlob.Describe(context, type);
        return new Core.Matrix.MatrixUpload(context.MatrixUserId(), upload.Body, upload.Length, type, string.IsNullOrWhiteSpace(fileName) ? null : fileName);
    }

    /// <summary>A refusal of the media service in the spec's terms.</summary>
    internal static MatrixError ToMatrixError(MatrixRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.Kind switch
        {
            MatrixRefusalKind.NotFound => MatrixError.NotFound(refusal.Reason),
            MatrixRefusalKind.Forbidden => MatrixError.Forbidden(refusal.Reason),
            MatrixRefusalKind.CannotOverwrite => MatrixError.CannotOverwrite(refusal.Reason),
            MatrixRefusalKind.LimitExceeded => MatrixError.LimitExceeded(refusal.Reason, refusal.RetryAfter ?? TimeSpan.FromMinutes(1)),
            MatrixRefusalKind.NotYetUploaded => MatrixError.NotYetUploaded(refusal.Reason),
            MatrixRefusalKind.TooLarge => MatrixError.TooLarge(refusal.Reason),
            MatrixRefusalKind.BadRequest => MatrixError.Unknown(StatusCodes.Status400BadRequest, refusal.Reason),
            MatrixRefusalKind.RemoteFailed => MatrixError.Unknown(StatusCodes.Status502BadGateway, refusal.Reason),
            MatrixRefusalKind.RemoteTooLarge => new MatrixError(StatusCodes.Status502BadGateway, "M_TOO_LARGE", refusal.Reason),
            MatrixRefusalKind.RemoteTimeout => MatrixError.Unknown(StatusCodes.Status504GatewayTimeout, refusal.Reason),
            _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal.Kind, "A Matrix refusal without an answer"),
        };
    }

    private static bool IsTrue(StringValues values) => Text(values) is "true" or "1";

    /// <summary>The last value, lowercase; null when absent or empty.</summary>
    private static string? Text(StringValues values) =>
        values.Count == 0 || string.IsNullOrEmpty(values[^1]) ? null : values[^1]!.ToLowerInvariant();

    /// <summary>A required, positive whole number; a size beyond any box is the largest box's business.</summary>
    private static bool TryPixels(StringValues values, out int pixels)
    {
        pixels = 0;
        if (Text(values) is not { } text || !text.All(char.IsAsciiDigit))
            return false;
        pixels = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : int.MaxValue;
        return pixels > 0;
    }
}
