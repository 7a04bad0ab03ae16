using System.Diagnostics.Metrics;
using Blossom.Core;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Storage.FileSystem;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Contracts;

/// <summary>The chunked-upload store contract beside a blob store on a folder of its own.</summary>
public sealed class FileSystemChunkedUploadStoreContractTests : ChunkedUploadStoreContract, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-partial-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    protected override Task<(IBlobStore Blobs, IChunkedUploadStore ChunkStore)> OpenAsync()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(_root, "blobs"));
        var partial = new FileSystemChunkedUploadStore(blobs, new BlossomMetrics(_services.GetRequiredService<IMeterFactory>()));
        return Task.FromResult<(IBlobStore, IChunkedUploadStore)>((blobs, partial));
    }

    protected override Task RemoveAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    public void Dispose() => _services.Dispose();
}
