using Blossom.Core.Ingest;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Chunked uploads (BUD-14): their state in the database every node shares, their chunks beside the
/// blobs (the store's temp folder, or the bucket), and the sweep of those that went idle.
/// </summary>
internal static class ChunkedUploadsModule
{
    public static WebApplicationBuilder AddBlossomChunkedUploads(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new ChunkedUploadSettings(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<UploadOptions>>().Value.PartialTimeoutSeconds)));
        builder.Services.AddSingleton<ChunkedUploads>();
        builder.Services.AddHostedService<ChunkedUploadSweepService>();
        return builder;
    }

    public static WebApplication MapBlossomChunkedUploads(this WebApplication app)
    {
        app.MapChunkedUploadEndpoints(app.SettingsOf<UploadOptions>());
        return app;
    }
}
