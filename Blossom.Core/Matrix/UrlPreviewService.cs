using System.Collections.Concurrent;
using System.Globalization;
using Blossom.Core.Blobs;
using Blossom.Core.Outbound;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Matrix;

/// <summary>
/// <c>GET preview_url</c>: fetches a public page through the mirror's <see cref="OutboundClient"/>, so the
/// page, every redirect and the page's image are checked against private addresses after DNS,
/// reads at most <see cref="UrlPreviewSettings.MaxPageBytes"/> of it, parses its OpenGraph tags and
/// stores its image as media of the user who asked, through the Matrix upload rules (size, type,
/// quota, moderation).
/// </summary>
/// <remarks>
/// Previews are cached in this process, keyed by URL, for <see cref="UrlPreviewSettings.CacheDuration"/>,
/// within <see cref="UrlPreviewSettings.CacheBytes"/> of memory: a preview is small, a cache miss on
/// another node costs one fetch and no correctness, and so it needs no table. The image of a cached
/// preview is the media of the user whose request fetched it; others get the same <c>mxc://</c> URI
/// instead of copies. Identical requests under way share one fetch, which runs on its own time limit,
/// not on the first requester's connection. At most
/// <see cref="UrlPreviewSettings.MaxConcurrent"/> fetches run at once; another is refused at once
/// rather than queued, so pages that are slow or costly to parse cannot pile up.
/// </remarks>
public sealed partial class UrlPreviewService(
    OutboundClient client, MatrixMediaService media, BlobService blobs, UrlPreviewSettings settings, ILogger<UrlPreviewService> logger) : IDisposable
{
    /// <summary>When a client refused for want of a slot may try again: most previews take less.</summary>
    public static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = settings.CacheBytes });
    private readonly SemaphoreSlim _slots = new(settings.MaxConcurrent, settings.MaxConcurrent);
    private readonly ConcurrentDictionary<string, Lazy<Task<Outcome<UrlPreview, UrlPreviewRefusal>>>> _fetching = new(StringComparer.Ordinal);

    /// <summary>A URL's preview, from the cache or fetched now.</summary>
    /// <param name="owner">The Matrix user id asking; a newly stored image is theirs.</param>
    /// <param name="url">An absolute http(s) URL.</param>
    /// <param name="cancellationToken">Ends this caller's wait; a fetch under way goes on for the others and the cache.</param>
    public async Task<Outcome<UrlPreview, UrlPreviewRefusal>> PreviewAsync(string owner, Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(url);
        // What the request sends: no fragment, no user info.
        var key = url.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);
        if (_cache.TryGetValue(key, out UrlPreview? cached))
            return UrlPreviewResult.Ok(cached!);
        var fetch = _fetching.GetOrAdd(key, _ => Start(key, owner));
        return await fetch.Value.WaitAsync(cancellationToken);
    }

    private Lazy<Task<Outcome<UrlPreview, UrlPreviewRefusal>>> Start(string key, string owner)
    {
        Lazy<Task<Outcome<UrlPreview, UrlPreviewRefusal>>>? fetch = null;
        fetch = new(async () =>
        {
            try
            {
                if (!await _slots.WaitAsync(TimeSpan.Zero))
                {
                    return UrlPreviewResult.Refused(UrlPreviewRefusalKind.Busy,
                        $"{settings.MaxConcurrent} previews are being made; try again shortly", BusyRetryAfter);
                }
                Outcome<UrlPreview, UrlPreviewRefusal> result;
                try
                {
                    result = await FetchAsync(owner, new Uri(key));
                }
                finally
                {
                    _slots.Release();
                }
                // Charged its size: a preview too large for the budget is answered but not kept.
                if (result.Refusal is null && result.Value is { } preview && settings.CacheDuration > TimeSpan.Zero)
                {
                    _cache.Set(key, preview, new MemoryCacheEntryOptions
                    {
                        Size = 2L * key.Length + preview.EstimatedBytes,
                        AbsoluteExpirationRelativeToNow = settings.CacheDuration,
                    });
                }
                return result;
            }
            finally
            {
                _fetching.TryRemove(new(key, fetch!));
            }
        });
        return fetch;
    }

    private async Task<Outcome<UrlPreview, UrlPreviewRefusal>> FetchAsync(string owner, Uri url)
    {
        using var deadline = new CancellationTokenSource(settings.Timeout);
        try
        {
            using var response = await client.GetAsync(url, deadline.Token);
            if (!response.IsSuccessStatusCode)
                return UrlPreviewResult.Refused(UrlPreviewRefusalKind.OriginFailed, $"The page answered {(int)response.StatusCode} {response.ReasonPhrase}");
            var type = MediaTypes.Normalize(response.Content.Headers.ContentType?.MediaType);
            // A link straight to an image previews as that image.
            if (type.StartsWith("image/", StringComparison.Ordinal))
                return UrlPreviewResult.Ok(UrlPreview.Empty with { Image = await StoreImageAsync(owner, response, type, UrlPreview.Empty.Tags, deadline.Token) });
            // Anything else that is not a page has nothing to show: the spec's "may be empty".
            if (type is not ("text/html" or "application/xhtml+xml"))
                return UrlPreviewResult.Ok(UrlPreview.Empty);

            using var head = await ReadHeadAsync(response, deadline.Token);
            var page = await OpenGraphPage.ReadAsync(head, response.Content.Headers.ContentType?.ToString(), response.RequestMessage?.RequestUri ?? url, deadline.Token)
                ;
            var image = page.Image is { } imageUrl ? await FetchImageAsync(owner, imageUrl, page.Tags, deadline.Token) : null;
            return UrlPreviewResult.Ok(new UrlPreview(page.Tags, image));
        }
        catch (HttpRequestException e) when (e.InnerException is OriginRefusedException refused)
        {
            return UrlPreviewResult.Refused(UrlPreviewRefusalKind.Forbidden, $"Not previewed: {refused.Message}");
        }
        catch (RedirectRefusedException e)
        {
            return UrlPreviewResult.Refused(UrlPreviewRefusalKind.OriginFailed, e.Message);
        }
        catch (HttpRequestException e)
        {
            return UrlPreviewResult.Refused(UrlPreviewRefusalKind.OriginFailed, $"The page could not be fetched: {e.Message}");
        }
        catch (IOException e)
        {
            return UrlPreviewResult.Refused(UrlPreviewRefusalKind.OriginFailed, $"The page's answer broke off: {e.Message}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return UrlPreviewResult.Refused(UrlPreviewRefusalKind.OriginFailed, $"The page did not answer within {settings.Timeout.TotalSeconds:0} seconds");
        }
    }

    /// <summary>The first <see cref="UrlPreviewSettings.MaxPageBytes"/> of the page; the rest is never downloaded.</summary>
    private async Task<MemoryStream> ReadHeadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using (body)
        {
            var head = new MemoryStream();
            var chunk = new byte[16 * 1024];
            while (head.Length < settings.MaxPageBytes)
            {
                var read = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, settings.MaxPageBytes - head.Length)), cancellationToken);
                if (read == 0)
                    break;
                head.Write(chunk, 0, read);
            }
            head.Position = 0;
            return head;
        }
    }

    /// <summary>
    /// The page's image, fetched through the same guard and stored; a preview without its image is
    /// still a preview, so any failure here only leaves the image out.
    /// </summary>
    private async Task<UrlPreviewImage?> FetchImageAsync(string owner, Uri url, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            var type = MediaTypes.Normalize(response.Content.Headers.ContentType?.MediaType);
            if (!response.IsSuccessStatusCode || !type.StartsWith("image/", StringComparison.Ordinal))
            {
                LogImageNotServed(logger, url, (int)response.StatusCode, type);
                return null;
            }
            return await StoreImageAsync(owner, response, type, tags, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or RedirectRefusedException or IOException
            || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            LogImageLeftOut(logger, url, e.Message);
            return null;
        }
    }

    private async Task<UrlPreviewImage?> StoreImageAsync(string owner, HttpResponseMessage response, string type, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var upload = new MatrixUpload(owner, token => new ValueTask<Stream>(response.Content.ReadAsStreamAsync(token)), response.Content.Headers.ContentLength, type, FileName: null);
        var stored = await media.UploadAsync(upload, cancellationToken);
        if (stored.Refusal is { } refusal)
        {
            LogImageLeftOut(logger, response.RequestMessage?.RequestUri, refusal.Reason);
            return null;
        }
        var blob = await blobs.FindAsync(stored.Value.Sha256!, cancellationToken);
        if (blob is null)
            return null;
        return new UrlPreviewImage(media.ContentUri(stored.Value.MediaId), type, blob.Size,
            blob.Width ?? Dimension(tags, "og:image:width"), blob.Height ?? Dimension(tags, "og:image:height"));
    }

    private static long? Dimension(IReadOnlyDictionary<string, string> tags, string name) =>
        tags.TryGetValue(name, out var value) && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pixels) && pixels > 0 ? pixels : null;

    [LoggerMessage(EventId = 8102, Level = LogLevel.Debug, Message = "URL preview: the image {Url} is left out: it answered {Status} with {Type}")]
    private static partial void LogImageNotServed(ILogger logger, Uri url, int status, string type);

    [LoggerMessage(EventId = 8101, Level = LogLevel.Debug, Message = "URL preview: the image {Url} is left out: {Problem}")]
    private static partial void LogImageLeftOut(ILogger logger, Uri? url, string problem);

    public void Dispose()
    {
        _cache.Dispose();
        _slots.Dispose();
    }
}
