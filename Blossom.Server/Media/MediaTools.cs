using Blossom.Core.Media;

namespace Blossom.Server;

/// <summary>ffmpeg and libvips, which media optimization and previews both need: checked once at start-up, so a server that listens can use them.</summary>
internal static class MediaTools
{
    /// <param name="setting">The setting that asks for them, named in the failure, e.g. <c>Media:Enabled</c>.</param>
    /// <param name="ffmpegUse">What ffmpeg is for, if not everything, e.g. " for video previews".</param>
    /// <param name="workers">libvips' thread budget.</param>
    /// <param name="cancellationToken">Ends the ffmpeg check.</param>
    public static async Task EnsureAvailableAsync(string setting, string ffmpegUse, int workers, CancellationToken cancellationToken)
    {
        if (await FfmpegProcess.CheckAvailableAsync(cancellationToken) is { } problem)
            throw new InvalidOperationException($"{setting} needs ffmpeg{ffmpegUse}: {problem}. Install it or set Blossom:{setting}=false.");
        try
        {
            ImageOptimizer.Initialize(workers);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
        {
            throw new InvalidOperationException($"{setting} needs libvips, which did not load (NetVips.Native). Set Blossom:{setting}=false to run without it.", e);
        }
    }
}
