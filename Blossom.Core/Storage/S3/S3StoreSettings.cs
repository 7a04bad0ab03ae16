namespace Blossom.Core.Storage.S3;

/// <summary>Where an <see cref="S3BlobStore"/> keeps blobs, and how it talks to the bucket.</summary>
/// <param name="Endpoint">The S3 API's base URL, e.g. <c>https://s3.eu-west-1.amazonaws.com</c> or a MinIO address.</param>
/// <param name="Bucket">The bucket's name; it must exist.</param>
/// <param name="Region">The region requests are signed for; S3-compatible servers mostly accept any.</param>
/// <param name="AccessKey">Empty with <paramref name="SecretKey"/>: the SDK's own credential chain (environment, instance role).</param>
/// <param name="SecretKey">The access key's secret.</param>
/// <param name="ForcePathStyle">Address the bucket as <c>endpoint/bucket/key</c> rather than <c>bucket.endpoint/key</c>.</param>
/// <param name="Prefix">Put before every object key, e.g. <c>blobs/</c>, so one bucket can hold more than one store.</param>
/// <param name="PartSizeBytes">Blobs larger than this go up as a multipart upload in parts of this size.</param>
public sealed record S3StoreSettings(
    string Endpoint,
    string Bucket,
    string Region,
    string AccessKey,
    string SecretKey,
    bool ForcePathStyle,
    string Prefix,
    long PartSizeBytes)
{
    /// <summary>S3 refuses parts below 5 MiB, except the last.</summary>
    public const long MinPartSizeBytes = 5L * 1024 * 1024;

    /// <summary>16 MiB: few requests per blob, and four parts in flight cost 64 MiB of nothing (they are read from the temp file).</summary>
    public const long DefaultPartSizeBytes = 16L * 1024 * 1024;
}
