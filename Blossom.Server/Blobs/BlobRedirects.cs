using Blossom.Core.Blobs;
using Blossom.Core.Storage.FileSystem;
using Blossom.Core.Storage.S3;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Where a blob GET is sent instead of being streamed (BUD-01 allows redirects): the bucket's
/// public URL or a presigned URL, by <c>Storage:S3:Redirect</c>; nowhere for other stores. Or, for a proxy
/// in front, the path of the blob's file it serves itself (X-Accel-Redirect).
/// </summary>
internal sealed class BlobRedirects(IBlobStore store, IOptions<StorageOptions> options)
{
    private readonly S3StorageOptions _s3 = options.Value.S3;
    private readonly string? _accelPrefix = options.Value.AccelRedirectPrefix is { Length: > 0 } prefix && store is FileSystemBlobStore ? prefix.TrimEnd('/') : null;

    /// <summary>
    /// Where the proxy in front finds the blob's file (<c>Storage:AccelRedirectPrefix</c>, then the store's
    /// own layout), or null when this server sends the bytes itself.
    /// </summary>
    public string? InternalRedirectFor(string sha256) =>
        _accelPrefix is null ? null : $"{_accelPrefix}/{FileSystemBlobStore.RelativeUrlOf(sha256)}";

    /// <summary>The URL to send a client to for the blob, or null to stream it from here.</summary>
    public async Task<Uri?> ForAsync(BlobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (store is not S3BlobStore s3)
            return null;
        return _s3.RedirectMode switch
        {
            S3RedirectMode.PublicUrl => new Uri($"{_s3.PublicUrl.TrimEnd('/')}/{s3.KeyOf(record.Sha256)}"),
            // The bucket stores no type; the signed URL makes it answer with the blob's own.
            S3RedirectMode.Presigned => new Uri(await s3.PresignAsync(record.Sha256, record.Type, TimeSpan.FromSeconds(_s3.PresignedUrlSeconds)).ConfigureAwait(false)),
            _ => null,
        };
    }
}
