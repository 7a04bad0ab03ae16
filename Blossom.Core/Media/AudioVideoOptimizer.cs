using System.Globalization;
using Blossom.Core.Blobs;
using Blossom.Core.Previews;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace Blossom.Core.Media;

/// <summary>
/// Video to H.264 + AAC in MP4 (faststart), audio alone to AAC in M4A. ffprobe first, so absurd
/// inputs are refused before any work; metadata (GPS among it) is dropped; nothing is upscaled.
/// With <see cref="VideoRecipe.Hls"/>, the same ffmpeg run also writes an HLS ladder of the video.
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
            probe = await ProbeAsync(inputPath, cancellationToken);
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

        var (arguments, extension, mediaType, size) = video is null ? AudioArguments() : VideoArguments(video);
        var output = Path.Combine(outputFolder, Guid.NewGuid().ToString("N") + extension);
        (HlsLadder Ladder, IReadOnlyList<IReadOnlyList<string>> Outputs)? ladder = video is not null && recipe.Hls is not null ? Ladder(video, Path.ChangeExtension(output, null)) : null;
        // The poster's still comes from the frames this run decodes anyway: a run of its own would
        // decode the start of the result again, after probing it.
        var poster = video is null ? null : Path.ChangeExtension(output, ".poster.png");
        IReadOnlyList<IReadOnlyList<string>> moreOutputs = poster is null
            ? ladder?.Outputs ?? []
            : [.. ladder?.Outputs ?? [], ThumbnailEngine.StillOutput(ThumbnailEngine.StillSeekFor(probe.Duration), ScaleFilter(size!.Value), poster)];
        string[] all = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. InputRestrictions, "-i", inputPath, .. arguments, output];
        // The probed duration only passed the check above: the run is bounded by the limit too, since
        // a header may lie (or, in browser recordings, be missing).
        var run = new FfmpegRun(all, noun, probe.Duration, TimeSpan.FromSeconds(recipe.MaxDurationSeconds), TimeSpan.FromSeconds(recipe.MaxTranscodeSeconds), moreOutputs);
        try
        {
            if (ladder is not null)
                Directory.CreateDirectory(ladder.Value.Ladder.Folder);
            await FfmpegProcess.RunAsync(run, progress, cancellationToken);
            // The result's size is the one the scale filter was given: no probe of the output needed.
            return new OptimizedMedia(output, mediaType, Streaming: ladder?.Ladder,
                Metadata: size is var (width, height) ? new BlobMetadata(width, height, null) : null,
                PosterFrame: poster is not null && File.Exists(poster) ? poster : null);
        }
        catch (Exception)
        {
            File.Delete(output);
            if (poster is not null)
                File.Delete(poster);
            if (ladder is not null && Directory.Exists(ladder.Value.Ladder.Folder))
                Directory.Delete(ladder.Value.Ladder.Folder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// The ffmpeg arguments between input and output for a video stream, public so benchmarks run
    /// exactly these. The limit applies to the short side, as "1080p" means for a phone held upright:
    /// a 1080x1920 portrait clip stays 1080x1920 under a 1080 limit instead of shrinking to 608x1080.
    /// </summary>
    public IReadOnlyList<string> VideoArgumentsFor(int displayedWidth, int displayedHeight, double framesPerSecond) =>
        [.. Encoding(displayedWidth, displayedHeight, ShortSide(displayedWidth, displayedHeight), framesPerSecond), "-movflags", "+faststart"];

    /// <summary>
    /// The short sides of the HLS renditions for a video shown at this size, largest first: the
    /// recipe's heights below the MP4's own short side, and the MP4's size in place of those at or above it.
    /// </summary>
    public IReadOnlyList<int> HlsShortSidesFor(int displayedWidth, int displayedHeight)
    {
        var hls = recipe.Hls ?? throw new InvalidOperationException("The recipe makes no HLS ladder.");
        var top = ShortSide(displayedWidth, displayedHeight);
        var below = hls.Heights.Select(h => h - h % 2).Where(h => h < top);
        return [.. (hls.Heights.Any(h => h >= top) ? below.Prepend(top) : below).Distinct().OrderDescending()];
    }

    /// <summary>
    /// The HLS outputs of a video shown at this size, each the ffmpeg options of one rendition then
    /// its media playlist (<c>&lt;folder&gt;/&lt;short side&gt;.m3u8</c>, segments beside it); public so
    /// benchmarks run exactly these. Encoded as the MP4 is, with a keyframe at every segment boundary.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> HlsOutputsFor(int displayedWidth, int displayedHeight, double framesPerSecond, string folder)
    {
        var hls = recipe.Hls ?? throw new InvalidOperationException("The recipe makes no HLS ladder.");
        var seconds = hls.SegmentSeconds.ToString(CultureInfo.InvariantCulture);
        return [.. HlsShortSidesFor(displayedWidth, displayedHeight).Select(side => (IReadOnlyList<string>)
        [
            .. Encoding(displayedWidth, displayedHeight, side, framesPerSecond),
            "-force_key_frames", $"expr:gte(t,n_forced*{seconds})",
            "-f", "hls", "-hls_time", seconds, "-hls_playlist_type", "vod", "-hls_list_size", "0", "-hls_segment_type", "mpegts",
            "-hls_flags", "independent_segments",
            "-hls_segment_filename", Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{side}_%05d.ts")),
            Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{side}.m3u8")),
        ])];
    }

    /// <summary>The MP4's short side: the source's, down to the limit, even for yuv420p.</summary>
    private int ShortSide(int displayedWidth, int displayedHeight)
    {
        var shortSide = Math.Min(Math.Min(displayedWidth, displayedHeight), recipe.MaxHeight);
        return shortSide - shortSide % 2;
    }

    /// <summary>H.264 + AAC of the first video and audio stream, the video scaled to <paramref name="shortSide"/>, metadata dropped.</summary>
    private IReadOnlyList<string> Encoding(int displayedWidth, int displayedHeight, int shortSide, double framesPerSecond)
    {
        var filters = ScaleFilter(ScaledSize(displayedWidth, displayedHeight, shortSide));
        if (framesPerSecond > recipe.MaxFps + 0.01)
            filters += string.Create(CultureInfo.InvariantCulture, $",fps={recipe.MaxFps}");
        return
        [
            "-map", "0:V:0", "-map", "0:a:0?", "-vf", filters,
            "-c:v", "libx264", "-preset", recipe.Preset, "-crf", recipe.Crf.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", $"{recipe.AudioBitrateKbps.ToString(CultureInfo.InvariantCulture)}k",
            "-map_metadata", "-1", "-map_chapters", "-1",
        ];
    }

    /// <summary>The ladder of a video: where it goes, and the outputs that write it.</summary>
    private (HlsLadder Ladder, IReadOnlyList<IReadOnlyList<string>> Outputs) Ladder(VideoStream video, string folder)
    {
        var (width, height) = DisplayedSize(video);
        var fps = video.AverageFrameRate > 0 ? video.AverageFrameRate : video.RealFrameRate;
        var renditions = HlsShortSidesFor(width, height).Select(side =>
        {
            var (w, h) = ScaledSize(width, height, side);
            return new HlsRendition(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{side}.m3u8")), w, h);
        });
        return (new HlsLadder(folder, [.. renditions]), HlsOutputsFor(width, height, fps, folder));
    }

    /// <summary>
    /// The picture size ffmpeg's scale filter makes of a frame shown at this size when its short side
    /// becomes <paramref name="shortSide"/>: the long side in proportion, rounded to the nearest even number (what -2 asks).
    /// </summary>
    internal static (int Width, int Height) ScaledSize(int displayedWidth, int displayedHeight, int shortSide)
    {
        var longSide = (int)Math.Round((double)shortSide * Math.Max(displayedWidth, displayedHeight) / Math.Min(displayedWidth, displayedHeight) / 2, MidpointRounding.AwayFromZero) * 2;
        return displayedWidth < displayedHeight ? (shortSide, longSide) : (longSide, shortSide);
    }

    /// <summary>The scale filter that makes <paramref name="size"/>: the short side fixed, the long side left to ffmpeg's -2 (so it is the one <see cref="ScaledSize"/> computes).</summary>
    private static string ScaleFilter((int Width, int Height) size) => size.Width < size.Height
        ? string.Create(CultureInfo.InvariantCulture, $"scale={size.Width}:-2")
        : string.Create(CultureInfo.InvariantCulture, $"scale=-2:{size.Height}");

    private (IReadOnlyList<string>, string, string, (int Width, int Height)?) VideoArguments(VideoStream video)
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
        return (VideoArgumentsFor(displayedWidth, displayedHeight, fps), ".mp4", "video/mp4",
            ScaledSize(displayedWidth, displayedHeight, ShortSide(displayedWidth, displayedHeight)));
    }

    private (IReadOnlyList<string>, string, string, (int Width, int Height)?) AudioArguments() =>
        (["-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", $"{recipe.AudioBitrateKbps.ToString(CultureInfo.InvariantCulture)}k",
            "-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"], ".m4a", "audio/mp4", null);

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
