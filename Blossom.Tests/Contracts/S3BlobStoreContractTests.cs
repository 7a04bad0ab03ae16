using Blossom.Core.Blobs;
using Blossom.Core.Storage.S3;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Contracts;

/// <summary>
/// The blob store contract on a bucket of its own in s3rver, under a prefix, with parts small
/// enough that the contract's larger blobs go up as multipart uploads.
/// </summary>
[Collection(S3Group.Name)]
public sealed class S3BlobStoreContractTests(S3Server s3) : BlobStoreContract, IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("blossom-s3-store-").FullName;
    private S3BlobStore? _store;

    protected override bool HandsOutOwnFiles => false;

    protected override async Task<IBlobStore> CreateStoreAsync()
    {
        var bucket = await s3.CreateBucketAsync();
        // Parts of 1 MiB, below what S3 itself accepts, which s3rver allows: multipart without 10 MiB blobs.
        _store = new S3BlobStore(
            new S3StoreSettings(s3.Endpoint, bucket, "us-east-1", S3Server.AccessKey, S3Server.SecretKey, ForcePathStyle: true, "blobs/", PartSizeBytes: 1024 * 1024),
            _temp, NullLogger<S3BlobStore>.Instance);
        return _store;
    }

    protected override Task RemoveStoreAsync()
    {
        Directory.Delete(_temp, recursive: true);
        return Task.CompletedTask;
    }

    public void Dispose() => _store?.Dispose();
}
