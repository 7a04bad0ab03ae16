using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Previews need libvips, and ffmpeg for video frames, whether or not media optimization is on; with it on,
/// <see cref="MediaStartup"/> checked and set up both.
/// </summary>
internal sealed class PreviewStartup(IOptions<PreviewOptions> previews, IOptions<MediaOptions> media) : StartupStep
{
    public override Task StartingAsync(CancellationToken cancellationToken) =>
        previews.Value.Enabled && !media.Value.Enabled
            ? MediaTools.EnsureAvailableAsync("Previews:Enabled", " for video previews", media.Value.Workers, cancellationToken)
            : Task.CompletedTask;
}
