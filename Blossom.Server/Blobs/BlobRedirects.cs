using Blossom.Core.Blobs;
using Blossom.Core.Storage;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Where a blob GET is sent instead of being streamed (BUD-01 allows redirects): the bucket's
/// public URL or a presigned URL, by <c>Storage:S3:Redirect</c>; nowhere for a store without a bucket.
/// Or, for a proxy in front, the path of the blob's file it serves itself (X-Accel-Redirect), for a
/// store that keeps its blobs in a folder. The storage module registers whichever of the two its store offers.
/// A small blob kept as a row of the database (<c>Storage:SmallBlobMaxBytes</c>) has no file nor object to
/// send anyone to: it is served from here, which the one lookup of its row, made only when a redirect is on, tells.
/// </summary>
internal sealed class BlobRedirects(IOptions<StorageOptions> options, ISmallBlobTable smallBlobs, IBlobBucket? bucket = null, IBlobFolder? folder = null)
{
    private readonly S3StorageOptions _s3 = options.Value.S3;
    private readonly string _accelPrefix = options.Value.AccelRedirectPrefix.TrimEnd('/');
    private readonly IBlobFolder? _proxiedFolder = options.Value.AccelRedirectPrefix is { Length: > 0 } ? folder : null;

    /// <summary>
    /// Where the proxy in front finds the blob's file (<c>Storage:AccelRedirectPrefix</c>, then the store's
    /// own layout), or null when this server sends the bytes itself.
    /// </summary>
    public async Task<string?> InternalRedirectForAsync(string sha256, CancellationToken cancellationToken) =>
        _proxiedFolder is null || await smallBlobs.LengthAsync(sha256, cancellationToken) is not null
            ? null
            : $"{_accelPrefix}/{_proxiedFolder.RelativeUrlOf(sha256)}";

    /// <summary>The URL to send a client to for the blob, or null to stream it from here.</summary>
    public async Task<Uri?> ForAsync(BlobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (bucket is null || _s3.RedirectMode == S3RedirectMode.None || await smallBlobs.LengthAsync(record.Sha256, cancellationToken) is not null)
            return null;
        return _s3.RedirectMode switch
        {
            S3RedirectMode.PublicUrl => new Uri($"{_s3.PublicUrl.TrimEnd('/')}/{bucket.KeyOf(record.Sha256)}"),
            // The bucket stores no type; the signed URL makes it answer with the blob's own.
            S3RedirectMode.Presigned => new Uri(await bucket.PresignAsync(record.Sha256, record.Type, TimeSpan.FromSeconds(_s3.PresignedUrlSeconds))),
            _ => null,
        };
    }
}
