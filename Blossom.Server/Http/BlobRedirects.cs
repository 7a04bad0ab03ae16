using Blossom.Core.Blobs;
using Blossom.Core.Storage.S3;
using Blossom.Server.Options;
using Microsoft.Extensions.Options;

namespace Blossom.Server.Http;

/// <summary>
/// Where a blob GET is sent instead of being streamed (BUD-01 allows redirects): the bucket's
/// public URL or a presigned URL, by <c>Storage:S3:Redirect</c>; nowhere for other stores.
/// </summary>
internal sealed class BlobRedirects(IBlobStore store, IOptions<StorageOptions> options)
{
    private readonly S3StorageOptions _s3 = options.Value.S3;

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
