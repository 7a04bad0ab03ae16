// Blob previews (spec/drafts/blob-previews.md): GET/HEAD /<sha256>/preview, advertised by
// Link: <…/preview>; rel="preview" on the blob's own GET/HEAD.
using System.Globalization;
using Blossom.Core.Blobs;
using Blossom.Core.Previews;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server;

internal static class PreviewEndpoints
{
    private static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(5);

    public static RouteGroupBuilder MapPreviewEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Blob previews").WithIpRateLimit(IpRateLimit.Reads);
        group.MapMethods(BlobRoute.Pattern + PreviewOffer.Suffix, [HttpMethods.Get, HttpMethods.Head], GetPreviewAsync)
            .WithName("GetPreview")
            .WithSummary("A small picture of an image or video blob (?w=&h=&method=scale|crop&format=webp|jpeg|png&animated=1).");
        return group;
    }

    /// <summary>
    /// The preview's bytes: the request is snapped to an allowed box, the preview found or made once
    /// (a blob of its own), and served with its hash as ETag, so If-None-Match answers 304.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, FileStreamHttpResult, WholeFileHttpResult, BlossomError>> GetPreviewAsync(
        string blob, HttpContext context, PreviewService previews, BlobResponses responses, IOptions<PreviewOptions> options, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
            return BlossomError.NotFound("Previews are turned off on this server");
        var query = PreviewQuery.Parse(context.Request.Query, previews.Sizes);
        if (query.Spec is not { } spec)
            return query.Error!;
        var result = await previews.GetOrCreateAsync(BlobRoute.HashOf(blob), spec, cancellationToken);
        if (result.Preview is not { } preview)
            return Refusal(result);
        // Unowned previews go with their source: one removed since it was found is the source's 404.
        return await responses.ServeAsync(preview, preview.Type, PreviewOffer.Caching, context, cancellationToken) switch
        {
            { Result: FileContentHttpResult bytes } => bytes,
            { Result: FileStreamHttpResult stream } => stream,
            { Result: WholeFileHttpResult whole } => whole,
            { Result: var error } => (BlossomError)error,
        };
    }

    private static BlossomError Refusal(PreviewResult result)
    {
        var reason = result.Refusal ?? "This blob has no preview";
        return result.Kind switch
        {
            PreviewRefusalKind.NotFound => BlossomError.NotFound("Blob not found"),
            PreviewRefusalKind.Unsupported => BlossomError.UnsupportedType(reason),
            PreviewRefusalKind.Busy => BlossomError.Unavailable(reason, BusyRetry),
            _ => BlossomError.Unprocessable(reason),
        };
    }
}

/// <summary>
/// On the blob's GET/HEAD: a 200/206/304 of a type that has previews carries
/// <c>Link: &lt;absolute preview URL&gt;; rel="preview"</c>. The preview is made when first fetched
/// (or eagerly, by setting), so the link is there before the preview is. A redirect to a bucket
/// carries none: the bucket's answer is the one a client reads.
/// </summary>
internal sealed class PreviewLinkFilter(IOptions<PreviewOptions> options, PublicBaseUrl baseUrl) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var result = await next(context);
        var http = context.HttpContext;
        var (type, length) = (result is INestedHttpResult nested ? nested.Result : result) switch
        {
            FileStreamHttpResult stream => (stream.ContentType, stream.FileLength),
            FileContentHttpResult bytes => (bytes.ContentType, bytes.FileLength),
            WholeFileHttpResult file => (file.ContentType, (long?)file.FileLength),
            AccelRedirectHttpResult file => (file.ContentType, file.FileLength),
            _ => (null, null),
        };
        if (type is not null
            && PreviewOffer.Offered(options.Value, type, length)
            && http.Request.RouteValues[BlobRoute.Parameter] is string path)
            http.Response.Headers.Link = $"<{PreviewOffer.UrlOf(baseUrl.For(http.Request), BlobRoute.HashOf(path))}>; rel=\"preview\"";
        return result;
    }
}

/// <summary>The query of <c>/&lt;sha256&gt;/preview</c>, read into an allowed preview spec.</summary>
internal readonly record struct PreviewQuery(PreviewSpec? Spec, BlossomError? Error)
{
    /// <summary>
    /// <c>w</c>, <c>h</c> (pixels), <c>method</c> (scale, crop), <c>format</c> (webp, jpeg, png),
    /// <c>animated</c> (1, 0); all optional, defaults the default box, scale, WebP, first frame.
    /// Sizes are snapped to the allowed boxes; anything malformed is a 400 that says what is allowed.
    /// </summary>
    public static PreviewQuery Parse(IQueryCollection query, PreviewSizes sizes)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(sizes);
        if (!TryPixels(query["w"], out var width))
            return Bad("w must be a positive whole number of pixels");
        if (!TryPixels(query["h"], out var height))
            return Bad("h must be a positive whole number of pixels");
        PreviewMethod? method = Text(query["method"]) switch
        {
            null or "scale" => PreviewMethod.Scale,
            "crop" => PreviewMethod.Crop,
            _ => null,
        };
        if (method is null)
            return Bad("method must be scale or crop");
        PreviewFormat? format = Text(query["format"]) switch
        {
            null or "webp" => PreviewFormat.Webp,
            "jpeg" or "jpg" => PreviewFormat.Jpeg,
            "png" => PreviewFormat.Png,
            _ => null,
        };
        if (format is null)
            return Bad("format must be webp, jpeg or png");
        bool? animated = Text(query["animated"]) switch
        {
            null or "0" or "false" => false,
            "1" or "true" => true,
            _ => null,
        };
        if (animated is null)
            return Bad("animated must be 1 or 0");
        return new(sizes.Snap(width, height, method.Value, format.Value, animated.Value), null);
    }

    private static PreviewQuery Bad(string reason) => new(null, BlossomError.BadRequest(reason));

    /// <summary>The single value, lowercase; null when absent or empty.</summary>
    private static string? Text(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 0 || string.IsNullOrEmpty(values[^1]) ? null : values[^1]!.ToLowerInvariant();

    /// <summary>Absent is null; a number of pixels beyond any box is the largest box's business, not an error.</summary>
    private static bool TryPixels(Microsoft.Extensions.Primitives.StringValues values, out int? pixels)
    {
        pixels = null;
        if (Text(values) is not { } text)
            return true;
        if (!text.All(char.IsAsciiDigit))
            return false;
        pixels = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : int.MaxValue;
        return pixels > 0;
    }
}
