using System.Collections.Concurrent;
using System.Buffers;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Blossom.Core.Blobs;
using Blossom.Core.Federation;
using Blossom.Core.Ingest;
using Blossom.Core.Outbound;
using Microsoft.AspNetCore.WebUtilities;
using HeaderUtilities = Microsoft.Net.Http.Headers.HeaderUtilities;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Matrix;

/// <summary>The remote media rules, from the <c>Matrix:Federation</c> settings.</summary>
/// <param name="MaxBytes">The largest remote media fetched.</param>
/// <param name="FetchTimeout">The longest one fetch may take, answer and bytes together.</param>
/// <param name="MaxConcurrentFetches">Fetches at once; one more is refused.</param>
/// <param name="CacheMaxBytes">The bytes the cache may hold (0: no limit).</param>
/// <param name="CacheMaxAge">How long media not served stay (null: kept).</param>
public sealed record MatrixRemoteSettings(long MaxBytes, TimeSpan FetchTimeout, int MaxConcurrentFetches, long CacheMaxBytes, TimeSpan? CacheMaxAge);

/// <summary>A thumbnail asked of a remote server: the box (already snapped to this server's sizes), <c>crop</c> or <c>scale</c>, animated or not.</summary>
public sealed record RemoteThumbnail(int Width, int Height, string Method, bool Animated);

/// <summary>
/// Other servers' media for this server's users (the <c>allow_remote</c> of the content repository):
/// fetched once over federation (<c>/_matrix/federation/v1/media/download</c>, signed; the legacy
/// unauthenticated download only when the remote does not know that route), stored as a blob of the
/// same store that no user owns, and served from there until the cache's limits or the operator
/// purge it. Concurrent requests for one media make one fetch: in one process they share it, across
/// nodes a lock keyed by the media lets the second find what the first stored. Every fetch goes
/// through the outbound guard and is held to a size, a time and a number at once.
/// </summary>
public sealed partial class MatrixRemoteMediaService(
    IMatrixRemoteMediaIndex index,
    IMatrixQuarantine quarantine,
    BlobService blobs,
    BlobIngest ingest,
    FederationClient federation,
    OutboundClient outbound,
    IBlobLocks fetchLocks,
    MatrixRemoteSettings settings,
    FederationPeers peers,
    BlossomMetrics metrics,
    TimeProvider time,
    ILogger<MatrixRemoteMediaService> logger) : IDisposable
{
    /// <summary>The most a media id of another server may be; the spec's ids are short, opaque and URL-safe.</summary>
    private const int MaxMediaIdLength = 255;

    /// <summary>How stale a cached media's last-access time may get before a download records it again: one write a minute at most.</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>How long a media found too large is answered so without fetching it again.</summary>
    private static readonly TimeSpan TooLargeMemory = TimeSpan.FromHours(1);

    private static readonly SearchValues<char> MediaIdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    private readonly SemaphoreSlim _fetchSlots = new(settings.MaxConcurrentFetches);
    private readonly ConcurrentDictionary<(string ServerName, string CacheId), Lazy<Task<Outcome<MatrixContent, MatrixRefusal>>>> _fetching = new();

    /// <summary>Media found too large lately: not fetched again (up to the limit, to be refused again) for <see cref="TooLargeMemory"/>.</summary>
    private readonly MemoryCache _tooLarge = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public MatrixRemoteSettings Settings => settings;

    /// <summary>Whether a media id of another server is one this server would ask for: the spec's characters, not too long.</summary>
    public static bool IsValidMediaId(string mediaId) =>
        mediaId.Length is > 0 and <= MaxMediaIdLength && mediaId.AsSpan().IndexOfAnyExcept(MediaIdCharacters) < 0;

    /// <summary>
    /// The media <c>mxc://serverName/mediaId</c>: from the cache, else (when <paramref name="allowRemote"/>)
    /// fetched now. Quarantined media, and media of servers federation does not talk with, are not found.
    /// </summary>
    public async Task<Outcome<MatrixContent, MatrixRefusal>> GetAsync(string serverName, string mediaId, bool allowRemote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        ArgumentNullException.ThrowIfNull(mediaId);
        serverName = serverName.ToLowerInvariant();
        if (!MatrixServerName.TryParse(serverName, out _, out _) || !IsValidMediaId(mediaId))
            return Refused(MatrixRefusalKind.NotFound, $"No media {mediaId} on {serverName}");
        if (await quarantine.IsQuarantinedAsync(serverName, mediaId, cancellationToken))
            return Refused(MatrixRefusalKind.NotFound, "Media not found");
        if (await CachedAsync(serverName, mediaId, cancellationToken) is { } cached)
            return new(cached, null);
        if (!allowRemote)
            return Refused(MatrixRefusalKind.NotFound, "Remote media is not cached here, and allow_remote=false asks not to fetch it");
        if (!peers.Allows(serverName))
            return Refused(MatrixRefusalKind.NotFound, $"Media of {serverName} are not fetched: federation with it is not allowed on this server");
        if (!federation.CanSign)
            return Refused(MatrixRefusalKind.NotFound, "Remote media are not fetched here: this server has no signing key (Matrix:SigningKeyPath)");

        if (_tooLarge.TryGetValue((serverName, mediaId), out _))
            return TooLarge(serverName);
        return await FetchOnceAsync(serverName, mediaId,
            $"/_matrix/federation/v1/media/download/{Uri.EscapeDataString(mediaId)}",
            $"/_matrix/media/v3/download/{Uri.EscapeDataString(serverName)}/{Uri.EscapeDataString(mediaId)}?allow_remote=false", cancellationToken);
    }

    /// <summary>
    /// The remote server's own thumbnail of media too large to fetch whole (<see cref="MatrixRefusalKind.RemoteTooLarge"/>),
    /// fetched with the same parameters over federation and kept in the cache beside it (as
    /// <c>mediaId/thumbnail/WxH/method</c>), so it is not fetched again; smaller media are thumbnailed here from the cached original.
    /// </summary>
    public async Task<Outcome<MatrixContent, MatrixRefusal>> GetThumbnailAsync(string serverName, string mediaId, RemoteThumbnail thumbnail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        ArgumentNullException.ThrowIfNull(mediaId);
        ArgumentNullException.ThrowIfNull(thumbnail);
        serverName = serverName.ToLowerInvariant();
        if (!MatrixServerName.TryParse(serverName, out _, out _) || !IsValidMediaId(mediaId)
            || await quarantine.IsQuarantinedAsync(serverName, mediaId, cancellationToken) || !peers.Allows(serverName) || !federation.CanSign)
            return Refused(MatrixRefusalKind.NotFound, "Media not found");
        var cacheId = $"{mediaId}/thumbnail/{thumbnail.Width}x{thumbnail.Height}/{thumbnail.Method}{(thumbnail.Animated ? "/animated" : "")}";
        if (await CachedAsync(serverName, cacheId, cancellationToken) is { } cached)
            return new(cached, null);
        var query = $"width={thumbnail.Width}&height={thumbnail.Height}&method={thumbnail.Method}&animated={(thumbnail.Animated ? "true" : "false")}";
        return await FetchOnceAsync(serverName, cacheId,
            $"/_matrix/federation/v1/media/thumbnail/{Uri.EscapeDataString(mediaId)}?{query}",
            $"/_matrix/media/v3/thumbnail/{Uri.EscapeDataString(serverName)}/{Uri.EscapeDataString(mediaId)}?{query}&allow_remote=false", cancellationToken);
    }

    /// <summary>One fetch per cached id in this process (the waiters share it), within a fetch slot.</summary>
    private async Task<Outcome<MatrixContent, MatrixRefusal>> FetchOnceAsync(string serverName, string cacheId, string federationPath, string legacyPath, CancellationToken cancellationToken)
    {
        var fetch = _fetching.GetOrAdd((serverName, cacheId),
            key => new Lazy<Task<Outcome<MatrixContent, MatrixRefusal>>>(() => FetchDetachedAsync(key.ServerName, key.CacheId, federationPath, legacyPath)));
        return await fetch.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Forgets cached media (of <paramref name="serverName"/> when given, last served before <paramref name="accessedBefore"/> when given); their blobs go unless someone owns them. Returns how many.</summary>
    public async Task<int> PurgeAsync(string? serverName, DateTimeOffset? accessedBefore, CancellationToken cancellationToken)
    {
        var removed = 0;
        while (true)
        {
            var page = await index.ListLeastRecentAsync(serverName, accessedBefore, 100, cancellationToken);
            if (page.Count == 0)
                return removed;
            foreach (var media in page)
            {
                if (await RemoveAsync(media, cancellationToken))
                    removed++;
            }
        }
    }

    /// <summary>Forgets one cached media and the remote's thumbnails of it; false when none was cached.</summary>
    public async Task<bool> PurgeMediaAsync(string serverName, string mediaId, CancellationToken cancellationToken)
    {
        var removed = false;
        foreach (var media in await index.FindWithThumbnailsAsync(serverName, mediaId, cancellationToken))
            removed |= await RemoveAsync(media, cancellationToken);
        _tooLarge.Remove((serverName, mediaId));
        return removed;
    }

    /// <summary>Applies the cache's limits: media not served for <see cref="MatrixRemoteSettings.CacheMaxAge"/> go, then the least recently served until the rest fit <see cref="MatrixRemoteSettings.CacheMaxBytes"/>.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var removed = settings.CacheMaxAge is { } age ? await PurgeAsync(null, time.GetUtcNow() - age, cancellationToken) : 0;
        if (settings.CacheMaxBytes <= 0)
            return removed;
        var (_, bytes) = await index.TotalsAsync(cancellationToken);
        while (bytes > settings.CacheMaxBytes)
        {
            var page = await index.ListLeastRecentAsync(null, null, 100, cancellationToken);
            if (page.Count == 0)
                break;
            foreach (var media in page.TakeWhile(_ => bytes > settings.CacheMaxBytes))
            {
                if (await RemoveAsync(media, cancellationToken))
                    removed++;
                bytes -= media.Size;
            }
        }
        return removed;
    }

    /// <summary>How many media the cache holds and their bytes.</summary>
    public Task<(long Count, long Bytes)> TotalsAsync(CancellationToken cancellationToken) => index.TotalsAsync(cancellationToken);

    private async Task<bool> RemoveAsync(MatrixRemoteMedia media, CancellationToken cancellationToken)
    {
        if (!await index.RemoveAsync(media.ServerName, media.MediaId, cancellationToken))
            return false;
        // The same bytes may be another server's media too, or someone's upload: those keep them.
        if (!await index.HoldsBlobAsync(media.Sha256, cancellationToken))
            await blobs.RemoveUnownedAsync(media.Sha256, cancellationToken);
        return true;
    }

    /// <summary>The cached media with its blob; null when not cached, or when its blob went meanwhile (then it is fetched again).</summary>
    private async Task<MatrixContent?> CachedAsync(string serverName, string mediaId, CancellationToken cancellationToken)
    {
        if (await index.FindAsync(serverName, mediaId, cancellationToken) is not { } media
            || await blobs.FindAsync(media.Sha256, cancellationToken) is not { } blob)
            return null;
        var now = time.GetUtcNow();
        if (now - media.LastAccess > TouchInterval)
            await index.TouchAsync(serverName, mediaId, now, cancellationToken);
        return Content(media, blob);
    }

    /// <summary>One fetch, detached from the requests that wait for it (each waits under its own cancellation), counted by its outcome.</summary>
    private async Task<Outcome<MatrixContent, MatrixRefusal>> FetchDetachedAsync(string serverName, string cacheId, string federationPath, string legacyPath)
    {
        var fetched = await FetchWithinLimitsAsync(serverName, cacheId, federationPath, legacyPath);
        metrics.RemoteMediaFetched(fetched.Refusal?.Kind switch
        {
            null => "fetched",
            MatrixRefusalKind.NotFound => "not_found",
            MatrixRefusalKind.RemoteTooLarge => "too_large",
            MatrixRefusalKind.RemoteTimeout => "timeout",
            MatrixRefusalKind.LimitExceeded => "limited",
            _ => "failed",
        });
        return fetched;
    }

    /// <summary>A fetch within a fetch slot, the time limit and the cached id's lock; one at a time per cached id in this process.</summary>
    private async Task<Outcome<MatrixContent, MatrixRefusal>> FetchWithinLimitsAsync(string serverName, string cacheId, string federationPath, string legacyPath)
    {
        try
        {
            if (!await _fetchSlots.WaitAsync(TimeSpan.Zero))
                return Refused(MatrixRefusalKind.LimitExceeded, "Too many remote media are being fetched; try again shortly", TimeSpan.FromSeconds(2));
            try
            {
                using var timeout = new CancellationTokenSource(settings.FetchTimeout, time);
                try
                {
                    var section = await fetchLocks.EnterAsync(LockKey(serverName, cacheId), timeout.Token);
                    await using (section)
                    {
                        // Another node may have fetched it while this one waited for the lock.
                        if (await CachedAsync(serverName, cacheId, timeout.Token) is { } cached)
                            return new(cached, null);
                        var fetched = await FetchAsync(serverName, cacheId, federationPath, legacyPath, timeout.Token);
                        if (fetched.Refusal?.Kind == MatrixRefusalKind.RemoteTooLarge)
                            _tooLarge.Set((serverName, cacheId), true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TooLargeMemory });
                        return fetched;
                    }
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    LogFetchFailed(serverName, cacheId, "timed out");
                    return Refused(MatrixRefusalKind.RemoteTimeout, $"{serverName} did not deliver the media within {settings.FetchTimeout.TotalSeconds:0} s");
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OriginRefusedException or RedirectRefusedException or InvalidDataException)
                {
                    LogFetchFailed(serverName, cacheId, e.Message);
                    return Refused(MatrixRefusalKind.RemoteFailed, $"The media could not be fetched from {serverName}: {Ascii(e.Message)}");
                }
            }
            finally
            {
                _fetchSlots.Release();
            }
        }
        finally
        {
            _fetching.TryRemove((serverName, cacheId), out _);
        }
    }

    private async Task<Outcome<MatrixContent, MatrixRefusal>> FetchAsync(string serverName, string cacheId, string federationPath, string legacyPath, CancellationToken cancellationToken)
    {
        using var response = await federation.GetSignedAsync(serverName, federationPath, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var errcode = await FederationJson.ReadErrcodeAsync(response.Content, cancellationToken);
            // The spec's one case for the old route: a server that does not know the federation one.
            if (response.StatusCode == HttpStatusCode.NotFound && errcode == "M_UNRECOGNIZED")
                return await FetchLegacyAsync(serverName, cacheId, legacyPath, cancellationToken);
            return RemoteRefusal(serverName, response.StatusCode, errcode);
        }
        if (response.Content.Headers.ContentType is not { MediaType: "multipart/mixed" } type
            || HeaderUtilities.RemoveQuotes(type.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value).Value is not { Length: > 0 } boundary)
            return Refused(MatrixRefusalKind.RemoteFailed, $"{serverName} answered the media without multipart/mixed");

        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using (body)
        {
            var reader = new MultipartReader(boundary, body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 32 };
            // The first part is the media's metadata, an empty object today: read and set aside, within bounds.
            if (await reader.ReadNextSectionAsync(cancellationToken) is not { } metadata
                || await FederationJson.ReadBoundedAsync(metadata.Body, FederationJson.MaxBytes, cancellationToken) is null)
                return Refused(MatrixRefusalKind.RemoteFailed, $"{serverName} answered without the media's metadata part");
            if (await reader.ReadNextSectionAsync(cancellationToken) is not { } part)
                return Refused(MatrixRefusalKind.RemoteFailed, $"{serverName} answered without the media's part");
            if (part.Headers?.TryGetValue("Location", out var location) == true)
            {
                if (!Uri.TryCreate(location.ToString(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                    return Refused(MatrixRefusalKind.RemoteFailed, $"{serverName} redirected the media to what is no http(s) URL");
                using var redirected = await outbound.GetAsync(url, cancellationToken);
                if (redirected.StatusCode != HttpStatusCode.OK)
                    return Refused(MatrixRefusalKind.RemoteFailed, $"The media's location given by {serverName} answered {(int)redirected.StatusCode}");
                return await StoreAsync(serverName, cacheId, redirected.Content.Headers.ContentType?.ToString(), redirected.Content.Headers.ContentDisposition,
                    redirected.Content.Headers.ContentLength, await redirected.Content.ReadAsStreamAsync(cancellationToken), cancellationToken);
            }
            var disposition = part.ContentDisposition is { } given && ContentDispositionHeaderValue.TryParse(given, out var parsed) ? parsed : null;
            return await StoreAsync(serverName, cacheId, part.ContentType, disposition, length: null, part.Body, cancellationToken);
        }
    }

    /// <summary>The unauthenticated <c>/_matrix/media/v3</c> route of a server without the federation one, told not to fetch further itself.</summary>
    private async Task<Outcome<MatrixContent, MatrixRefusal>> FetchLegacyAsync(string serverName, string cacheId, string legacyPath, CancellationToken cancellationToken)
    {
        using var response = await federation.GetAsync(serverName, legacyPath, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            return RemoteRefusal(serverName, response.StatusCode, await FederationJson.ReadErrcodeAsync(response.Content, cancellationToken));
        var headers = response.Content.Headers;
        return await StoreAsync(serverName, cacheId, headers.ContentType?.ToString(), headers.ContentDisposition, headers.ContentLength,
            await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken);
    }

    /// <summary>The bytes stored as a blob nobody owns, within the remote size limit, and recorded in the cache.</summary>
    private async Task<Outcome<MatrixContent, MatrixRefusal>> StoreAsync(
        string serverName, string cacheId, string? contentType, ContentDispositionHeaderValue? disposition, long? length, Stream body, CancellationToken cancellationToken)
    {
        await using (body)
        {
            var type = MediaTypes.Normalize(contentType);
            if (MediaTypes.IsMultipart(type))
                type = MediaTypes.OctetStream;
            var request = new IngestRequest(_ => ValueTask.FromResult(body), type, length, Owner: null, Announced: null, AuthorizedSha256: null);
            var stored = await ingest.IngestBlobAsync(request, new IngestLimits(settings.MaxBytes, []), cancellationToken);
            if (stored.Refusal is { } refusal)
            {
                LogFetchFailed(serverName, cacheId, refusal.Reason);
                return refusal.Kind == IngestRefusalKind.TooLarge
                    ? TooLarge(serverName)
                    : Refused(MatrixRefusalKind.RemoteFailed, $"The media of {serverName} could not be stored: {refusal.Reason}");
            }
            var blob = stored.Value.Blob;
            var now = time.GetUtcNow();
            now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
            var fileName = disposition?.FileNameStar ?? HeaderUtilities.RemoveQuotes(disposition?.FileName).Value;
            var media = new MatrixRemoteMedia(serverName, cacheId, blob.Sha256, type, string.IsNullOrWhiteSpace(fileName) ? null : fileName, blob.Size, now, now);
            await index.AddAsync(media, CancellationToken.None);
            LogFetched(serverName, cacheId, blob.Size, blob.Sha256);
            return new(Content(media, blob), null);
        }
    }

    private static Outcome<MatrixContent, MatrixRefusal> RemoteRefusal(string serverName, HttpStatusCode status, string? errcode) => (status, errcode) switch
    {
        (HttpStatusCode.NotFound, _) => Refused(MatrixRefusalKind.NotFound, $"{serverName} has no such media"),
        (_, "M_NOT_YET_UPLOADED") => Refused(MatrixRefusalKind.NotYetUploaded, $"The media has not yet been uploaded to {serverName}"),
        (_, "M_TOO_LARGE") => Refused(MatrixRefusalKind.RemoteTooLarge, $"{serverName} says the media is too large to serve"),
        _ => Refused(MatrixRefusalKind.RemoteFailed, $"{serverName} answered {(int)status}{(errcode is null ? "" : " " + errcode)}"),
    };

    public void Dispose()
    {
        _fetchSlots.Dispose();
        _tooLarge.Dispose();
    }

    /// <summary>The cached media as the content repository serves it: a media id of its server, owned by nobody here.</summary>
    private static MatrixContent Content(MatrixRemoteMedia media, BlobRecord blob) =>
        new(new MatrixMedia(media.MediaId, Owner: "", media.Sha256, media.ContentType, media.FileName, media.Fetched, UnusedExpires: null, media.Fetched), blob);

    /// <summary>A lock key of the hash's shape for the media, so the blob-lock backends (striped, PostgreSQL advisory) take it as they are.</summary>
    private static string LockKey(string serverName, string mediaId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"matrix-remote\n{serverName.ToLowerInvariant()}\n{mediaId}")));

    /// <summary>Reasons go into a header-safe error: the remote's words are trimmed to printable ASCII.</summary>
    private static string Ascii(string text) => new([.. text.Where(c => c is >= ' ' and <= '~').Take(200)]);

    private Outcome<MatrixContent, MatrixRefusal> TooLarge(string serverName) =>
        Refused(MatrixRefusalKind.RemoteTooLarge, $"The media of {serverName} is larger than this server's limit of {settings.MaxBytes} bytes for remote media");

    private static Outcome<MatrixContent, MatrixRefusal> Refused(MatrixRefusalKind kind, string reason, TimeSpan? retryAfter = null) =>
        new(default!, new MatrixRefusal(kind, reason, retryAfter));

    [LoggerMessage(EventId = 71, Level = LogLevel.Information, Message = "Matrix: fetched {ServerName}/{MediaId}, {Size} bytes, as {Sha256}")]
    private partial void LogFetched(string serverName, string mediaId, long size, string sha256);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Matrix: {ServerName}/{MediaId} could not be fetched: {Problem}")]
    private partial void LogFetchFailed(string serverName, string mediaId, string problem);
}
