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
    IReadOnlyList<string> Buds,
    UploadInfo Upload,
    MediaInfo Media,
    PreviewInfo Previews,
    bool Mirror,
    bool ListRequiresAuth,
    ChunkedUploadInfo ChunkedUpload,
    MatrixInfo Matrix,
    IReadOnlyCollection<string> ServerNames);

/// <summary>Whether this server is also a Matrix homeserver's media repository, and for which server name (<c>mxc://</c> authority).</summary>
public sealed record MatrixInfo(
    bool Enabled,
    string? ServerName);

/// <summary>BUD-14: chunked uploads, the largest chunk, and how long a chunked upload may idle before it is discarded.</summary>
public sealed record ChunkedUploadInfo(
    bool Supported,
    long MaxChunkBytes,
    int PartialTimeoutSeconds);

public sealed record UploadInfo(
    bool RequiresAuth,
    long MaxSizeBytes,
    IReadOnlyList<string> AllowedTypes,
    long QuotaBytesPerPubkey);

public sealed record MediaInfo(
    bool Enabled,
    string Mode,
    long MaxSizeBytes,
    int ImageMaxWidth,
    int ImageMaxHeight,
    string ImageFormat,
    int VideoMaxHeight,
    int VideoMaxFps,
    int MaxDurationSeconds,
    bool VideoHls);

/// <summary>
/// Blob previews: where they are (<c>url</c>, with <c>&lt;sha256&gt;</c> to fill in, and the query
/// <c>w</c>, <c>h</c>, <c>method</c>, <c>format</c>, <c>animated</c>; GET/HEAD of a blob also names it in
/// <c>Link: rel="preview"</c>), the boxes a request is snapped to, the methods and formats, the box
/// of a request that names none, and whether they are made at upload.
/// </summary>
public sealed record PreviewInfo(
    bool Enabled,
    string Url,
    IReadOnlyList<string> Sizes,
    string DefaultSize,
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Formats,
    bool Eager)
{
    internal static PreviewInfo From(PreviewOptions options, PreviewSizes sizes) => new(
        options.Enabled,
        "/<sha256>" + PreviewOffer.Suffix,
        [.. sizes.Allowed.Select(Box)],
        Box(sizes.DefaultBox),
        [.. Enum.GetNames<PreviewMethod>().Select(n => n.ToLowerInvariant())],
        [.. Enum.GetNames<PreviewFormat>().Select(n => n.ToLowerInvariant())],
        options.Eager);

    private static string Box((int Width, int Height) size) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{size.Width}x{size.Height}");
}
