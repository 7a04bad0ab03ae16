using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Blobs (BUD-01, 02, 06, 12, and BUD-13's <c>PUT /&lt;sha256&gt;</c>): retrieval, upload, upload requirements,
/// list and delete, the one ingest path behind every way in, and the sweep of blobs nobody owns.
/// </summary>
internal static class BlobsModule
{
    public static WebApplicationBuilder AddBlossomBlobs(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<BlossomOptions, BlossomOptionsValidator>(BlossomOptions.Section);
        services.AddSettings<UploadOptions, UploadOptionsValidator>(UploadOptions.Section);
        services.AddSettings<ListOptions, ListOptionsValidator>(ListOptions.Section);
        services.AddSingleton<BlobRedirects>();
        services.AddSingleton<HotBlobs>();
        services.AddSingleton<BlobResponses>();
        services.AddSingleton<IBlobInspector>(sp => new BlobInspector(
            probeVideo: sp.GetRequiredService<IOptions<MediaOptions>>().Value.Enabled,
            maxPixels: sp.GetRequiredService<IOptions<MediaImageOptions>>().Value.MaxPixels));
        services.AddSingleton<BlobService>();
        services.AddHostedService<OrphanSweepService>();
        services.AddSingleton<BlobIngest>();
        services.AddSingleton<BlobBlocks>();
        services.AddSingleton(sp => new UploaderPolicy(sp.GetRequiredService<Blossom.Core.Moderation.IModerationStore>(), sp.GetRequiredService<IOptions<UploadOptions>>().Value.AllowedPubkeys));
        services.AddSingleton<PublicBaseUrl>();
        services.AddSingleton<BlobDescriptions>();
        services.AddRouting(o =>
        {
            o.SetParameterPolicy<BlobRoute>(BlobRoute.ConstraintName);
            o.SetParameterPolicy<BlobAddressRoute>(BlobAddressRoute.ConstraintName);
        });
        return builder;
    }

    public static WebApplication MapBlossomBlobs(this WebApplication app)
    {
        var upload = app.SettingsOf<UploadOptions>();
        app.MapRetrievalEndpoints();
        app.MapUploadEndpoints(upload);
        app.MapPathUploadEndpoints(upload);
        app.MapUploadRequirementsEndpoints(upload);
        app.MapManagementEndpoints(app.SettingsOf<ListOptions>());
        return app;
    }
}
