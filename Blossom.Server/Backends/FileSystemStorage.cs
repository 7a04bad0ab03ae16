using Blossom.Core;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Blossom.Core.Storage;
using Blossom.Core.Storage.FileSystem;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Storage:Kind=FileSystem</c>: blobs as files under <c>Storage:Path</c>, the chunks of
/// chunked uploads in its temp folder, media originals in <c>Storage:Path/originals</c>; its folder is what a
/// proxy in front may serve itself (<c>Storage:AccelRedirectPrefix</c>). Small blobs are rows of the database (<see cref="SmallBlobStorage"/>).
/// </summary>
internal static class FileSystemStorage
{
    public static IServiceCollection AddFileSystemStorage(this IServiceCollection services)
    {
        services.AddSingleton(sp => new FileSystemBlobStore(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Path));
        services.AddSingleton(sp => SmallBlobStorage.Over(sp, sp.GetRequiredService<FileSystemBlobStore>()));
        services.AddSingleton<IBlobFolder>(sp => sp.GetRequiredService<FileSystemBlobStore>());
        services.AddSingleton<IChunkedUploadStore>(sp => new FileSystemChunkedUploadStore(sp.GetRequiredService<FileSystemBlobStore>(), sp.GetRequiredService<BlossomMetrics>()));
        // The originals live beside the blobs, which every node shares, so whichever node takes a job finds its original.
        services.AddKeyedSingleton<IBlobStore>(MediaLedger.OriginalsFolder, (sp, _) =>
            new FileSystemBlobStore(Path.Combine(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Path, MediaLedger.OriginalsFolder)));
        services.AddHostedService<StorageStartup>();
        return services;
    }
}
