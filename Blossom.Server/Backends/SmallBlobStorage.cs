using Blossom.Core.Blobs;
using Blossom.Core.Storage;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Storage:SmallBlobMaxBytes</c>: blobs up to that size kept as rows of the database, over whichever store
/// the storage module chose, which keeps every larger blob as before.
/// </summary>
internal static class SmallBlobStorage
{
    /// <summary>The blob store every blob goes through: small ones to the database's table, the rest to <paramref name="inner"/>.</summary>
    public static IBlobStore Over(IServiceProvider services, IBlobStore inner)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        // Copies for the media tools go where the store keeps its temp files, which its start-up empties.
        return new SmallBlobStore(inner, services.GetRequiredService<ISmallBlobTable>(), storage.SmallBlobMaxBytes, Path.Combine(storage.Path, ".tmp"));
    }
}
