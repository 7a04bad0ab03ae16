using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Previews need libvips, and ffmpeg for video frames, whether or not media optimization is on; with it on,
/// <see cref="MediaStartup"/> checked and set up both.
/// </summary>
internal sealed class PreviewStartup(IOptions<PreviewOptions> previews, IOptions<MediaOptions> media) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) =>
        previews.Value.Enabled && !media.Value.Enabled
            ? MediaTools.EnsureAvailableAsync("Previews:Enabled", " for video previews", media.Value.Workers, cancellationToken)
            : Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
