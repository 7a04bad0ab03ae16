using Blossom.Core.Blobs;
using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>Readies the blob store and its chunk store, removing what interrupted writes left behind.</summary>
internal sealed class StorageStartup(IBlobStore store, IChunkedUploadStore chunks) : StartupStep
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        await chunks.InitializeAsync(cancellationToken);
    }
}
