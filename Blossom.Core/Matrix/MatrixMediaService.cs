using System.Buffers;
using System.Security.Cryptography;
using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Ingest;
using Blossom.Core.Moderation;

namespace Blossom.Core.Matrix;

/// <summary>
/// The Matrix content repository's rules over the blob store: media ids made here name blobs owned by
/// the uploading Matrix user, so the same bytes are stored once, quotas, type policy and moderation are
/// Blossom's, and a Blossom owner's delete only drops that owner. Uploads go through
/// <see cref="BlobIngest"/>, the one upload path. Created ids (MSC2246) wait for their bytes up to
/// <see cref="MatrixMediaSettings.UnusedExpiry"/>, and downloads of them may wait for the upload,
/// woken through <see cref="IChangeNotifier"/> when it arrives on any node.
/// </summary>
public sealed class MatrixMediaService(
    IMatrixMediaIndex index, BlobIngest ingest, BlobService blobs, IModerationStore moderation, IChangeNotifier changes, MatrixMediaSettings settings, TimeProvider time)
{
    private const string MediaIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const int MediaIdLength = 24;
    private static readonly SearchValues<char> MediaIdCharacters = SearchValues.Create(MediaIdAlphabet);

    public MatrixMediaSettings Settings => settings;

    /// <summary>What a media id's upload (or expiry) is told to waiting downloads under: never a media task's id.</summary>
    public static string ChangeKey(string mediaId) => $"matrix:{mediaId}";

    /// <summary>The <c>mxc://</c> URI of one of this server's media ids.</summary>
    public string ContentUri(string mediaId) => $"mxc://{settings.ServerName}/{mediaId}";

    /// <summary>Whether an <c>mxc://</c> authority is this server's (server names compare without case, as host names do).</summary>
    public bool IsLocal(string serverName) => string.Equals(serverName, settings.ServerName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a string could be a media id of this server, before any look-up.</summary>
    public static bool IsValidMediaId(string mediaId) =>
        mediaId.Length == MediaIdLength && mediaId.AsSpan().IndexOfAnyExcept(MediaIdCharacters) < 0;

    /// <summary><c>POST /upload</c>: stores the body and gives it a new media id.</summary>
    public async Task<Outcome<MatrixMedia, MatrixRefusal>> UploadAsync(MatrixUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var stored = await StoreAsync(upload, cancellationToken);
        if (stored.Refusal is { } refusal)
            return MatrixResult.Refused<MatrixMedia>(refusal);
        var now = Now();
        var media = new MatrixMedia(NewMediaId(), upload.Owner, stored.Value.Sha256, upload.ContentType, upload.FileName, now, UnusedExpires: null, Uploaded: now);
        await index.AddUploadedAsync(media, cancellationToken);
        return MatrixResult.Ok(media);
    }

    /// <summary>
    /// <c>POST /create</c>: a new media id whose bytes come later, unless the user already has
    /// <see cref="MatrixMediaSettings.MaxPendingUploadsPerUser"/> waiting; then the refusal says when
    /// the first of them expires.
    /// </summary>
    public async Task<Outcome<MatrixMedia, MatrixRefusal>> CreateAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (await CheckUserAsync(owner, cancellationToken) is { } blocked)
            return MatrixResult.Refused<MatrixMedia>(blocked);
        var now = Now();
        var media = new MatrixMedia(NewMediaId(), owner, Sha256: null, ContentType: null, FileName: null, now, now + settings.UnusedExpiry, Uploaded: null);
        if (await index.CreatePendingAsync(media, settings.MaxPendingUploadsPerUser, cancellationToken))
            return MatrixResult.Ok(media);
        // None may wait any more when one was uploaded meanwhile: then a second is as good a guess as any.
        var next = await index.NextPendingExpiryAsync(owner, now, cancellationToken);
        var retryAfter = next is { } expires && expires > now ? expires - now : TimeSpan.FromSeconds(1);
        return MatrixResult.Refused<MatrixMedia>(new MatrixRefusal(MatrixRefusalKind.LimitExceeded,
            $"You have {settings.MaxPendingUploadsPerUser} uploads pending; upload their content or wait until they expire", retryAfter));
    }

    /// <summary>
    /// <c>PUT /upload/{serverName}/{mediaId}</c>: the bytes of a created id, from the user who created
    /// it, once. An expired id is gone (not found).
    /// </summary>
    public async Task<Outcome<MatrixMedia, MatrixRefusal>> UploadToAsync(string mediaId, MatrixUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mediaId);
        ArgumentNullException.ThrowIfNull(upload);
        var media = await index.FindAsync(mediaId, cancellationToken);
        if (Unusable(media, upload.Owner, Now()) is { } unusable)
            return MatrixResult.Refused<MatrixMedia>(unusable);
        var stored = await StoreAsync(upload, cancellationToken);
        if (stored.Refusal is { } refusal)
            return MatrixResult.Refused<MatrixMedia>(refusal);
        var now = Now();
        if (!await index.CompleteAsync(mediaId, upload.Owner, stored.Value.Sha256, upload.ContentType, upload.FileName, now, cancellationToken))
        {
            // Another upload to the same id finished first, or the id expired while the body came in.
            var current = await index.FindAsync(mediaId, cancellationToken);
            return MatrixResult.Refused<MatrixMedia>(Unusable(current, upload.Owner, now) ?? NotFound(mediaId));
        }
        await changes.NotifyAsync([ChangeKey(mediaId)], CancellationToken.None);
        return MatrixResult.Ok(media! with { Sha256 = stored.Value.Sha256, ContentType = upload.ContentType, FileName = upload.FileName, Uploaded = now });
    }

    /// <summary>
    /// The media and its blob, waiting up to <paramref name="timeout"/> (capped at
    /// <see cref="MatrixMediaSettings.MaxDownloadWait"/>; null means the cap) for a created id's upload.
    /// The upload ends the wait at once, on whichever node it arrives (through <see cref="IChangeNotifier"/>).
    /// </summary>
    public async Task<Outcome<MatrixContent, MatrixRefusal>> WaitForAsync(string mediaId, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mediaId);
        var wait = timeout is not { } asked || asked > settings.MaxDownloadWait ? settings.MaxDownloadWait : asked < TimeSpan.Zero ? TimeSpan.Zero : asked;
        var deadline = Now() + wait;
        var key = ChangeKey(mediaId);
        // Listening before each look, so an upload between the look and the wait still wakes it.
        var signal = changes.Subscribe(key);
        try
        {
            while (true)
            {
                if (signal.IsCompleted)
                    signal = changes.Subscribe(key);
                var media = await index.FindAsync(mediaId, cancellationToken);
                var now = Now();
                if (media is null || media.IsExpired(now))
                    return MatrixResult.Refused<MatrixContent>(NotFound(mediaId));
                if (media.IsUploaded)
                {
                    // A blob removed since (by its owners, or the operator's block) takes its media ids with it.
                    var blob = await blobs.FindAsync(media.Sha256!, cancellationToken);
                    return blob is null
                        ? MatrixResult.Refused<MatrixContent>(NotFound(mediaId))
                        : MatrixResult.Ok(new MatrixContent(media, blob));
                }
                var left = deadline - now;
                if (left <= TimeSpan.Zero)
                    return MatrixResult.Refused<MatrixContent>(new MatrixRefusal(MatrixRefusalKind.NotYetUploaded, "Content has not yet been uploaded"));
                try
                {
                    // WaitAsync disposes its timer when the signal comes first.
                    await signal.WaitAsync(left, time, cancellationToken);
                }
                catch (TimeoutException)
                {
                    // The deadline passed: the next look answers as the id is then.
                }
            }
        }
        finally
        {
            changes.Unsubscribe(key, signal);
        }
    }

    /// <summary>Forgets the created ids whose upload did not come in time; waiting downloads of them end (not found).</summary>
    public async Task<int> SweepExpiredAsync(CancellationToken cancellationToken)
    {
        var removed = await index.RemoveExpiredAsync(Now(), cancellationToken);
        await changes.NotifyAsync([.. removed.Select(ChangeKey)], CancellationToken.None);
        return removed.Count;
    }

    /// <summary>The time to the millisecond, as the index keeps it, so the media returned equal those found later.</summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }

    private static MatrixRefusal? Unusable(MatrixMedia? media, string owner, DateTimeOffset now) =>
        media is null || media.IsExpired(now) ? NotFound(media?.MediaId)
        : !string.Equals(media.Owner, owner, StringComparison.Ordinal) ? new(MatrixRefusalKind.Forbidden, "This media id was created by another user")
        : media.IsUploaded ? new(MatrixRefusalKind.CannotOverwrite, "Media already uploaded")
        : null;

    private static MatrixRefusal NotFound(string? mediaId) =>
        new(MatrixRefusalKind.NotFound, mediaId is null ? "Media not found" : $"Media {mediaId} not found");

    private async Task<MatrixRefusal?> CheckUserAsync(string owner, CancellationToken cancellationToken) =>
        await moderation.IsBlockedAsync(owner, cancellationToken)
            ? new(MatrixRefusalKind.Forbidden, "Your account is blocked on this server")
            : null;

    /// <summary>The body stored as a blob the user owns, unless the user is blocked or an upload rule refuses it.</summary>
    private async Task<Outcome<BlobRecord, MatrixRefusal>> StoreAsync(MatrixUpload upload, CancellationToken cancellationToken)
    {
        if (await CheckUserAsync(upload.Owner, cancellationToken) is { } blocked)
            return MatrixResult.Refused<BlobRecord>(blocked);
        var request = new IngestRequest(upload.Body, upload.ContentType, upload.Length, upload.Owner, Announced: null, AuthorizedSha256: null);
        var result = await ingest.IngestBlobAsync(request, settings.Limits, cancellationToken);
        return result.Refusal is { } refusal
            ? MatrixResult.Refused<BlobRecord>(new MatrixRefusal(KindOf(refusal.Kind), refusal.Reason, Ingest: refusal))
            : MatrixResult.Ok(result.Value.Blob);
    }

    /// <summary>The spec answers a type or quota the server does not allow with M_FORBIDDEN, a size with M_TOO_LARGE.</summary>
    private static MatrixRefusalKind KindOf(IngestRefusalKind kind) => kind switch
    {
        IngestRefusalKind.TooLarge => MatrixRefusalKind.TooLarge,
        IngestRefusalKind.TypeNotAllowed or IngestRefusalKind.QuotaExceeded or IngestRefusalKind.PubkeyBlocked or IngestRefusalKind.PubkeyNotAllowed or IngestRefusalKind.BlobBlocked => MatrixRefusalKind.Forbidden,
        _ => MatrixRefusalKind.BadRequest,
    };

    private static string NewMediaId() => RandomNumberGenerator.GetString(MediaIdAlphabet, MediaIdLength);
}
