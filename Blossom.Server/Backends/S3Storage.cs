using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Blossom.Core.Storage;
using Blossom.Core.Storage.S3;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Storage:Kind=S3</c>: blobs as objects of the bucket, chunks of chunked uploads as objects
/// too, media originals under <c>&lt;Prefix&gt;originals/</c>, where the blob store's listing (one
/// level, hashes only) never sees them; a GET may redirect to the bucket (<c>Storage:S3:Redirect</c>).
/// Temp files live where the file-system store would keep them: one folder per node. Small blobs are rows of
/// the database (<see cref="SmallBlobStorage"/>).
/// </summary>
internal static class S3Storage
{
    public static IServiceCollection AddS3Storage(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new S3BlobStore(storage.S3.ToStoreSettings(), Path.Combine(storage.Path, ".tmp"), sp.GetRequiredService<ILogger<S3BlobStore>>());
        });
        services.AddSingleton(sp => SmallBlobStorage.Over(sp, sp.GetRequiredService<S3BlobStore>()));
        services.AddSingleton<IBlobBucket>(sp => sp.GetRequiredService<S3BlobStore>());
        services.AddSingleton<IChunkedUploadStore>(sp => new S3ChunkedUploadStore(sp.GetRequiredService<S3BlobStore>()));
        services.AddKeyedSingleton<IBlobStore>(MediaLedger.OriginalsFolder, (sp, _) =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new S3BlobStore(storage.S3.ToStoreSettings() with { Prefix = $"{storage.S3.Prefix}{MediaLedger.OriginalsFolder}/" },
                Path.Combine(storage.Path, MediaLedger.OriginalsFolder, ".tmp"), sp.GetRequiredService<ILogger<S3BlobStore>>());
        });
        services.AddHostedService<StorageStartup>();
        return services;
    }
}
