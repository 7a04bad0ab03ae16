using System.Globalization;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace Blossom.Core.Media;

/// <summary>
/// Video to H.264 + AAC in MP4 (faststart), audio alone to AAC in M4A. ffprobe first, so absurd
/// inputs are refused before any work; metadata (GPS among it) is dropped; nothing is upscaled.
/// </summary>
public sealed class AudioVideoOptimizer(VideoRecipe recipe)
{
    /// <summary>
    /// The demuxers an upload may be read with: media containers only. Playlists (HLS), concat
    /// scripts and image sequences would make ffmpeg open local files or URLs the upload names.
    /// </summary>
    private const string Demuxers = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,ogg,flac,wav,mp3,aac,flv,asf,aiff,caf,amr";

    internal static readonly string[] InputRestrictions = ["-format_whitelist", Demuxers, "-protocol_whitelist", "file"];

    public async Task<OptimizedMedia> OptimizeAsync(string inputPath, MediaKind kind, string outputFolder, IProgress<int> progress, CancellationToken cancellationToken)
    {
        var noun = kind == MediaKind.Audio ? "audio file" : "video";
        IMediaAnalysis probe;
        try
        {
            probe = await ProbeAsync(inputPath, cancellationToken).ConfigureAwait(false);
        }
        catch (FFMpegException e)
        {
            throw new MediaRejectedException($"Not a decodable {noun}", e.Message, e);
        }

        var video = kind == MediaKind.Audio ? null : PrimaryVideo(probe);
        if (video is null && probe.PrimaryAudioStream is null)
            throw new MediaRejectedException($"Not a decodable {noun}: it has no {(kind == MediaKind.Audio ? "audio" : "video or audio")} stream");
        if (probe.Duration > TimeSpan.FromSeconds(recipe.MaxDurationSeconds))
            throw new MediaRejectedException(string.Create(CultureInfo.InvariantCulture,
                $"{char.ToUpperInvariant(noun[0])}{noun[1..]} longer than the limit of {recipe.MaxDurationSeconds} seconds ({probe.Duration.TotalSeconds:F0} s)"));

        var (arguments, extension, mediaType) = video is null ? AudioArguments() : VideoArguments(video);
        var output = Path.Combine(outputFolder, Guid.NewGuid().ToString("N") + extension);
        string[] all = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. InputRestrictions, "-i", inputPath, .. arguments, output];
        // The probed duration only passed the check above: the run is bounded by the limit too, since
        // a header may lie (or, in browser recordings, be missing).
        var run = new FfmpegRun(all, noun, probe.Duration, TimeSpan.FromSeconds(recipe.MaxDurationSeconds), TimeSpan.FromSeconds(recipe.MaxTranscodeSeconds));
        try
        {
            await FfmpegProcess.RunAsync(run, progress, cancellationToken).ConfigureAwait(false);
            return new OptimizedMedia(output, mediaType);
        }
        catch (Exception e) when (e is MediaRejectedException or OperationCanceledException)
        {
            File.Delete(output);
            throw;
        }
    }

    /// <summary>
    /// The ffmpeg arguments between input and output for a video stream, public so benchmarks run
    /// exactly these. The limit applies to the short side, as "1080p" means for a phone held upright:
    /// a 1080x1920 portrait clip stays 1080x1920 under a 1080 limit instead of shrinking to 608x1080.
    /// </summary>
    public IReadOnlyList<string> VideoArgumentsFor(int displayedWidth, int displayedHeight, double framesPerSecond)
    {
        var shortSide = Math.Min(Math.Min(displayedWidth, displayedHeight), recipe.MaxHeight);
        shortSide -= shortSide % 2;
        var filters = displayedWidth < displayedHeight
            ? string.Create(CultureInfo.InvariantCulture, $"scale={shortSide}:-2")
            : string.Create(CultureInfo.InvariantCulture, $"scale=-2:{shortSide}");
        if (framesPerSecond > recipe.MaxFps + 0.01)
            filters += string.Create(CultureInfo.InvariantCulture, $",fps={recipe.MaxFps}");
        return
        [
            "-map", "0:V:0", "-map", "0:a:0?", "-vf", filters,
            "-c:v", "libx264", "-preset", recipe.Preset, "-crf", recipe.Crf.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", $"{recipe.AudioBitrateKbps.ToString(CultureInfo.InvariantCulture)}k",
            "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart",
        ];
    }

    private (IReadOnlyList<string>, string, string) VideoArguments(VideoStream video)
    {
        var (width, height) = (video.Width ?? 0, video.Height ?? 0);
        if (width <= 0 || height <= 0)
            throw new MediaRejectedException("Not a decodable video: its frame size is unknown");
        if (width > recipe.MaxInputDimension || height > recipe.MaxInputDimension)
            throw new MediaRejectedException(string.Create(CultureInfo.InvariantCulture,
                $"Video of {width}x{height} is larger than this server's limit of {recipe.MaxInputDimension} pixels a side"));
        // ffmpeg turns the picture upright before filtering, so scale by the size as shown.
        var (displayedWidth, displayedHeight) = DisplayedSize(video);
        var fps = video.AverageFrameRate > 0 ? video.AverageFrameRate : video.RealFrameRate;
        return (VideoArgumentsFor(displayedWidth, displayedHeight, fps), ".mp4", "video/mp4");
    }

    private (IReadOnlyList<string>, string, string) AudioArguments() =>
        (["-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", $"{recipe.AudioBitrateKbps.ToString(CultureInfo.InvariantCulture)}k",
            "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"], ".m4a", "audio/mp4");

    /// <summary>ffprobe with the same input restrictions as the transcode.</summary>
    /// <remarks>
    /// FFMpegCore starts ffprobe itself, without the parent-death signal of <see cref="ChildProcesses"/>:
    /// a probe reads headers and a few seconds of media, so should the server die meanwhile it ends
    /// on its own moments later.
    /// </remarks>
    internal static Task<IMediaAnalysis> ProbeAsync(string path, CancellationToken cancellationToken) =>
        FFProbe.AnalyseAsync(path, customArguments: string.Join(' ', InputRestrictions), cancellationToken: cancellationToken);

    /// <summary>The video stream that is the media: cover art in audio files is a "video" stream too.</summary>
    internal static VideoStream? PrimaryVideo(IMediaAnalysis probe) => probe.VideoStreams.FirstOrDefault(s => !IsAttachedPicture(s));

    /// <summary>The frame size as shown, after the rotation phones record.</summary>
    internal static (int Width, int Height) DisplayedSize(VideoStream video)
    {
        var (width, height) = (video.Width ?? 0, video.Height ?? 0);
        return Math.Abs(video.Rotation) % 180 == 90 ? (height, width) : (width, height);
    }

    private static bool IsAttachedPicture(VideoStream stream) =>
        stream.Disposition is { } disposition && disposition.TryGetValue("attached_pic", out var attached) && attached;
}
