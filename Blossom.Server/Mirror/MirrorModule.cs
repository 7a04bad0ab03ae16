using Blossom.Core.Outbound;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Mirror (BUD-04), and the outbound client every fetch of a URL goes through (URL previews too): one guard,
/// one <c>Mirror:AllowPrivateNetworks</c>/<c>AllowedPrivateHosts</c> policy.
/// </summary>
internal static class MirrorModule
{
    public static WebApplicationBuilder AddBlossomMirror(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<MirrorOptions, MirrorOptionsValidator>(MirrorOptions.Section);
        builder.Services.AddSingleton(sp =>
        {
            var mirror = sp.GetRequiredService<IOptions<MirrorOptions>>().Value;
            return new OutboundClient(new OriginGuard(mirror.AllowPrivateNetworks, mirror.AllowedPrivateHosts));
        });
        return builder;
    }

    public static WebApplication MapBlossomMirror(this WebApplication app)
    {
        if (app.SettingsOf<MirrorOptions>().Enabled)
            app.MapMirrorEndpoints(app.SettingsOf<UploadOptions>());
        return app;
    }
}
