using Blossom.Core.Blobs;
using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>Readies the blob store and its chunk store, removing what interrupted writes left behind.</summary>
internal sealed class StorageStartup(IBlobStore store, IPartialUploadStore chunks) : StartupStep
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await chunks.InitializeAsync(cancellationToken).ConfigureAwait(false);
    }
}
