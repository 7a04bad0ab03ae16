using Blossom.Core.Blobs;
using Blossom.Core.Storage;
using Blossom.Core.Storage.FileSystem;
using Blossom.Core.Storage.S3;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Contracts;

/// <summary>The small-blob store over a folder, its rows in SQLite: the default setup.</summary>
public sealed class SmallBlobStoreOverFilesContractTests : SmallBlobStoreContract
{
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-small-store-").FullName;
    private ContractDatabase? _database;

    // Over files, the contract's larger blobs are the folder's own files.
    protected override bool HandsOutOwnFiles => true;

    protected override string TempFolder => Path.Combine(_root, "blobs", ".tmp");

    protected override Task<IBlobStore> CreateInnerStoreAsync() => Task.FromResult<IBlobStore>(new FileSystemBlobStore(Path.Combine(_root, "blobs")));

    protected override async Task<ISmallBlobTable> CreateTableAsync()
    {
        _database = await ContractDatabase.SqliteAsync();
        return _database.SmallBlobs(TimeProvider.System);
    }

    protected override async Task RemoveStoreAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>The small-blob store over a bucket in s3rver, its rows in PostgreSQL: the cluster setup.</summary>
[Collection(ClusterTestGroup.Name)]
public sealed class SmallBlobStoreOverS3ContractTests(PostgresServer postgres, S3Server s3) : SmallBlobStoreContract, IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("blossom-small-s3-store-").FullName;
    private ContractDatabase? _database;
    private S3BlobStore? _bucket;

    protected override bool HandsOutOwnFiles => false;

    protected override string TempFolder => _temp;

    protected override async Task<IBlobStore> CreateInnerStoreAsync()
    {
        var bucket = await s3.CreateBucketAsync();
        _bucket = new S3BlobStore(
            new S3StoreSettings(s3.Endpoint, bucket, "us-east-1", S3Server.AccessKey, S3Server.SecretKey, ForcePathStyle: true, "blobs/", PartSizeBytes: 1024 * 1024),
            _temp, NullLogger<S3BlobStore>.Instance);
        return _bucket;
    }

    protected override async Task<ISmallBlobTable> CreateTableAsync()
    {
        _database = await ContractDatabase.PostgresAsync(postgres);
        return _database.SmallBlobs(TimeProvider.System);
    }

    protected override async Task RemoveStoreAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    public void Dispose() => _bucket?.Dispose();
}
