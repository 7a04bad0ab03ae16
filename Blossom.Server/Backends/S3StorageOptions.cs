using System.ComponentModel.DataAnnotations;
using Blossom.Core.Storage.S3;

namespace Blossom.Server;

/// <summary>How blob GETs on S3 are answered.</summary>
public enum S3RedirectMode
{
    /// <summary>The server streams the bytes from the bucket, with Range, ETag and 304 as on the file system.</summary>
    None,
    /// <summary>307 to <c>&lt;PublicUrl&gt;/&lt;Prefix&gt;&lt;sha256&gt;</c>, a bucket or CDN that serves objects to anyone.</summary>
    PublicUrl,
    /// <summary>307 to a presigned URL of the object, for a private bucket that clients can reach.</summary>
    Presigned,
}

/// <summary><c>Blossom:Storage:S3</c>: the S3-compatible bucket (AWS, MinIO, Garage, Ceph, R2...).</summary>
public sealed class S3StorageOptions
{
    /// <summary>The S3 API's URL, e.g. <c>https://s3.eu-west-1.amazonaws.com</c> or <c>http://minio:9000</c>. Required.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The bucket; it must exist. Required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>The region requests are signed for. Default <c>us-east-1</c>, which S3-compatible servers accept.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Both empty (default): the AWS SDK's own credential chain (environment, instance role).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Address buckets as <c>endpoint/bucket</c>. Default true: what most S3-compatible servers need, and AWS accepts.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Put before every object key, e.g. <c>blossom/</c>, to share a bucket. Default empty.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Base URL where the bucket's objects are public, e.g. a CDN. Empty (default): none.</summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>Default (unset): <c>PublicUrl</c> when <see cref="PublicUrl"/> is set, otherwise <c>None</c>.</summary>
    public S3RedirectMode? Redirect { get; set; }

    /// <summary>How long a presigned redirect stays valid. Default 1 hour; at most 7 days, as S3 allows.</summary>
    public int PresignedUrlSeconds { get; set; } = 3600;

    /// <summary>Blobs larger than this go up as a multipart upload in parts of this size. Default 16 MiB; at least 5 MiB, as S3 demands.</summary>
    public long PartSizeBytes { get; set; } = Blossom.Core.Storage.S3.S3StoreSettings.DefaultPartSizeBytes;

    /// <summary>The redirect mode in force, <see cref="Redirect"/>'s default applied.</summary>
    public S3RedirectMode RedirectMode => Redirect ?? (PublicUrl.Length > 0 ? S3RedirectMode.PublicUrl : S3RedirectMode.None);

    /// <summary>The bucket settings as the S3 store's.</summary>
    public S3StoreSettings ToStoreSettings() => new(Endpoint, Bucket, Region, AccessKey, SecretKey, ForcePathStyle, Prefix, PartSizeBytes);
}
