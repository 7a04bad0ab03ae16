// What a client (and the landing page) needs to know before it uploads: the BUDs spoken and the limits.
using System.Text.Json.Serialization;
using Blossom.Core.Previews;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class InfoEndpoints
{
    public static RouteGroupBuilder MapInfoEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/info").WithTags("Server info").WithIpRateLimit(IpRateLimit.Unlimited);
        group.MapGet("", GetInfo)
            .WithName("ServerInfo")
            .WithSummary("The BUDs this server implements and the upload, media and list policies a client must respect.");
        return group;
    }

    internal static Ok<ServerInfo> GetInfo(
        IOptions<UploadOptions> upload, IOptions<MediaOptions> media, IOptions<MediaImageOptions> image, IOptions<MediaVideoOptions> video,
        IOptions<MirrorOptions> mirror, IOptions<ListOptions> list, IOptions<PreviewOptions> previewOptions, PreviewService previews, IOptions<MatrixOptions> matrix, ServerNames serverNames)
    {
        List<string> buds = ["01", "02", "06", "08", "09", "11", "12", "13", "14"];
        if (mirror.Value.Enabled)
            buds.Add("04");
        if (media.Value.Enabled)
            buds.Add("05");
        buds.Sort(StringComparer.Ordinal);
        return TypedResults.Ok(new ServerInfo(
            buds,
            new UploadInfo(upload.Value.RequireAuth, upload.Value.MaxSizeBytes, upload.Value.AllowedTypes, upload.Value.QuotaBytesPerPubkey),
            new MediaInfo(media.Value.Enabled, media.Value.Mode.ToString().ToLowerInvariant(), media.Value.MaxSizeBytes,
                image.Value.MaxWidth, image.Value.MaxHeight, image.Value.Format.ToString().ToLowerInvariant(), video.Value.MaxHeight, video.Value.MaxFps, video.Value.MaxDurationSeconds, video.Value.Hls),
            PreviewInfo.From(previewOptions.Value, previews.Sizes),
            mirror.Value.Enabled,
            list.Value.RequireAuth,
            // A chunk is limited by the blob's own limit only: a client picks a size its proxies let through.
            new ChunkedUploadInfo(Supported: true, upload.Value.MaxSizeBytes, upload.Value.PartialTimeoutSeconds),
            new MatrixInfo(matrix.Value.Enabled, matrix.Value.Enabled ? matrix.Value.ServerName : null),
            serverNames.Names));
    }
}

public sealed record ServerInfo(
    [property: JsonPropertyName("buds")] IReadOnlyList<string> Buds,
    [property: JsonPropertyName("upload")] UploadInfo Upload,
    [property: JsonPropertyName("media")] MediaInfo Media,
    [property: JsonPropertyName("previews")] PreviewInfo Previews,
    [property: JsonPropertyName("mirror")] bool Mirror,
    [property: JsonPropertyName("listRequiresAuth")] bool ListRequiresAuth,
    [property: JsonPropertyName("chunkedUpload")] ChunkedUploadInfo ChunkedUpload,
    [property: JsonPropertyName("matrix")] MatrixInfo Matrix,
    [property: JsonPropertyName("serverNames")] IReadOnlyCollection<string> ServerNames);

/// <summary>Whether this server is also a Matrix homeserver's media repository, and for which server name (<c>mxc://</c> authority).</summary>
public sealed record MatrixInfo(
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("serverName")] string? ServerName);

/// <summary>BUD-14: multi-part uploads, the largest chunk, and how long a partial upload may idle before it is discarded.</summary>
public sealed record ChunkedUploadInfo(
    [property: JsonPropertyName("supported")] bool Supported,
    [property: JsonPropertyName("maxChunkBytes")] long MaxChunkBytes,
    [property: JsonPropertyName("partialTimeoutSeconds")] int PartialTimeoutSeconds);

public sealed record UploadInfo(
    [property: JsonPropertyName("requiresAuth")] bool RequiresAuth,
    [property: JsonPropertyName("maxSizeBytes")] long MaxSizeBytes,
    [property: JsonPropertyName("allowedTypes")] IReadOnlyList<string> AllowedTypes,
    [property: JsonPropertyName("quotaBytesPerPubkey")] long QuotaBytesPerPubkey);

public sealed record MediaInfo(
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("maxSizeBytes")] long MaxSizeBytes,
    [property: JsonPropertyName("imageMaxWidth")] int ImageMaxWidth,
    [property: JsonPropertyName("imageMaxHeight")] int ImageMaxHeight,
    [property: JsonPropertyName("imageFormat")] string ImageFormat,
    [property: JsonPropertyName("videoMaxHeight")] int VideoMaxHeight,
    [property: JsonPropertyName("videoMaxFps")] int VideoMaxFps,
    [property: JsonPropertyName("maxDurationSeconds")] int MaxDurationSeconds,
    [property: JsonPropertyName("videoHls")] bool VideoHls);

/// <summary>
/// Blob previews: where they are (<c>url</c>, with <c>&lt;sha256&gt;</c> to fill in, and the query
/// <c>w</c>, <c>h</c>, <c>method</c>, <c>format</c>, <c>animated</c>; GET/HEAD of a blob also names it in
/// <c>Link: rel="preview"</c>), the boxes a request is snapped to, the methods and formats, the box
/// of a request that names none, and whether they are made at upload.
/// </summary>
public sealed record PreviewInfo(
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("sizes")] IReadOnlyList<string> Sizes,
    [property: JsonPropertyName("defaultSize")] string DefaultSize,
    [property: JsonPropertyName("methods")] IReadOnlyList<string> Methods,
    [property: JsonPropertyName("formats")] IReadOnlyList<string> Formats,
    [property: JsonPropertyName("eager")] bool Eager)
{
    internal static PreviewInfo From(PreviewOptions options, PreviewSizes sizes) => new(
        options.Enabled,
        "/<sha256>" + PreviewEndpoints.Suffix,
        [.. sizes.Allowed.Select(Box)],
        Box(sizes.DefaultBox),
        [.. Enum.GetNames<PreviewMethod>().Select(n => n.ToLowerInvariant())],
        [.. Enum.GetNames<PreviewFormat>().Select(n => n.ToLowerInvariant())],
        options.Eager);

    private static string Box((int Width, int Height) size) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{size.Width}x{size.Height}");
}
