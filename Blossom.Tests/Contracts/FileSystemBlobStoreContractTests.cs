using Blossom.Core.Blobs;
using Blossom.Core.Storage.FileSystem;

namespace Blossom.Tests.Contracts;

/// <summary>The blob store contract on a folder of its own.</summary>
public sealed class FileSystemBlobStoreContractTests : BlobStoreContract
{
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-store-").FullName;

    protected override bool HandsOutOwnFiles => true;

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(new FileSystemBlobStore(Path.Combine(_root, "blobs")));

    protected override Task RemoveStoreAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
