using Blossom.Core;
using Blossom.Core.Media;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Before any other service starts and before the first request: checks the media tools and takes up the
/// tasks a previous run left, so a server that listens is a server that optimizes.
/// </summary>
internal sealed class MediaStartup(IOptions<MediaOptions> options, IServiceProvider services) : StartupStep
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        var media = options.Value;
        if (!media.Enabled)
            return;
        await MediaTools.EnsureAvailableAsync("Media:Enabled", "", media.Workers, cancellationToken);
        await services.GetRequiredService<MediaJobRunner>().InitializeAsync(cancellationToken);
        var queue = services.GetRequiredService<IMediaJobQueue>();
        services.GetRequiredService<BlossomMetrics>().ObserveQueueLength(() => queue.LastCountedWaiting);
    }
}
