using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Storage.S3;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Contracts;

/// <summary>
/// The chunked-upload store contract on a bucket of its own in s3rver, beside a blob store under a
/// prefix, with parts small enough that the contract's chunks go up as multipart uploads.
/// </summary>
[Collection(S3Group.Name)]
public sealed class S3ChunkedUploadStoreContractTests(S3Server s3) : ChunkedUploadStoreContract, IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("blossom-s3-partial-").FullName;
    private readonly List<S3BlobStore> _stores = [];
    private string? _bucket;

    protected override async Task<(IBlobStore Blobs, IChunkedUploadStore ChunkStore)> OpenAsync()
    {
        _bucket ??= await s3.CreateBucketAsync();
        // Parts of 1 MiB, below what S3 itself accepts, which s3rver allows: multipart without 10 MiB chunks.
        var store = new S3BlobStore(
            new S3StoreSettings(s3.Endpoint, _bucket, "us-east-1", S3Server.AccessKey, S3Server.SecretKey, ForcePathStyle: true, "blobs/", PartSizeBytes: 1024 * 1024),
            _temp, NullLogger<S3BlobStore>.Instance);
        _stores.Add(store);
        return (store, new S3ChunkedUploadStore(store));
    }

    protected override Task RemoveAsync()
    {
        Directory.Delete(_temp, recursive: true);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var store in _stores)
            store.Dispose();
    }
}
