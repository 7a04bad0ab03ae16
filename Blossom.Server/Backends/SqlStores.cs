using Blossom.Core.Data;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Media;
using Blossom.Core.Previews;
using Blossom.Core.Storage;

namespace Blossom.Server;

/// <summary>The stores whose SQL both databases run as it is, on whichever <see cref="ISqlDatabase"/> the module registered.</summary>
internal static class SqlStores
{
    public static IServiceCollection AddSqlStores(this IServiceCollection services)
    {
        services.AddSingleton<IMediaTaskStore, SqlMediaTaskStore>();
        services.AddSingleton<IChunkedUploadIndex, SqlChunkedUploadIndex>();
        services.AddSingleton<IPreviewIndex, SqlPreviewIndex>();
        services.AddSingleton<IMatrixMediaIndex, SqlMatrixMediaIndex>();
        services.AddSingleton<IMatrixRemoteMediaIndex, SqlMatrixRemoteMediaIndex>();
        services.AddSingleton<IMatrixQuarantine, SqlMatrixQuarantine>();
        services.AddSingleton<ISmallBlobTable, SqlSmallBlobTable>();
        return services;
    }
}
