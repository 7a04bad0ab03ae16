using System.Globalization;
using Blossom.Core.Media;
using FFMpegCore.Exceptions;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Core.Previews;

/// <summary>What a preview may be made from and how long making it may take.</summary>
/// <param name="MaxSourceBytes">Larger sources get no preview.</param>
/// <param name="MaxSourcePixels">
/// Images with more pixels (one frame's, or all frames' for an animated preview) and videos with
/// larger frames get none; checked from the header, before anything is decoded.
/// </param>
/// <param name="MaxVideoSeconds">Longer videos get none.</param>
/// <param name="Timeout">Wall-clock time one preview may take to make.</param>
/// <param name="MaxDecodeBytes">
/// Images whose decoding would cost more bytes get none (see <see cref="ImageHeader.DecodeBytes"/>):
/// a progressive JPEG is held whole however small its preview.
/// </param>
/// <param name="MaxAnimatedPixels">
/// Animations with more pixels in all their frames get no animated preview (their still one is
/// made as usual): every frame is decoded, scaled and encoded again, and the encoding costs most.
/// Checked from the header, before anything is decoded, whatever the box.
/// </param>
public sealed record PreviewLimits(long MaxSourceBytes, long MaxSourcePixels, int MaxVideoSeconds, TimeSpan Timeout,
    long MaxDecodeBytes = 512L * 1024 * 1024, long MaxAnimatedPixels = 25_000_000);

/// <summary>A preview the engine made.</summary>
/// <param name="Path">The file, in the output folder; the caller moves or deletes it. The source's own path when <paramref name="IsSource"/>.</param>
/// <param name="MediaType">Its MIME type.</param>
/// <param name="Width">Pixels across.</param>
/// <param name="Height">Pixels down (of one frame, for an animation).</param>
/// <param name="IsSource">
/// The source itself is the preview: it is a picture every browser shows as it is, and fewer
/// bytes than anything made from it, and a preview is never larger than its source.
/// </param>
public sealed record RenderedPreview(string Path, string MediaType, int Width, int Height, bool IsSource = false);

/// <summary>
/// The source has no preview: its type has none, it is damaged, or it is over the limits. The
/// message says why in words a person understands; <see cref="Detail"/> is for the operator's log.
/// </summary>
public sealed class PreviewUnavailableException : Exception
{
    public PreviewUnavailableException(string reason, string? detail = null, Exception? innerException = null)
        : base(reason, innerException) => Detail = detail ?? innerException?.Message;

    public PreviewUnavailableException() { }

    public PreviewUnavailableException(string message) : base(message) { }

    public PreviewUnavailableException(string message, Exception innerException) : base(message, innerException) => Detail = innerException?.Message;

    /// <summary>What went wrong in detail (may name local paths): for the log only.</summary>
    public string? Detail { get; }
}

/// <summary>
/// Makes preview images with libvips: <c>thumbnail</c> shrinks on load (a 12 MP JPEG is never
/// decoded at full size), turns the picture upright by its EXIF orientation, converts it to sRGB
/// and never upscales; the encoders keep no metadata. A video's preview is one of its frames, cut
/// by ffmpeg a little into the video and picked by its <c>thumbnail</c> filter, which skips a
/// black or faded first frame, then drawn like an image. PDFs have none: the libvips package has
/// no PDF loader.
/// </summary>
/// <param name="limits">What may be previewed and for how long.</param>
/// <param name="quality">Encoder quality of WebP and JPEG previews, 1 to 100.</param>
public sealed class ThumbnailEngine(PreviewLimits limits, int quality)
{
    /// <summary>Where the frame of a video is looked for: this far in, or a tenth of a shorter video.</summary>
    private static readonly TimeSpan FrameSeek = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Frames ffmpeg's <c>thumbnail</c> filter compares to pick the most typical: two seconds of
    /// common video, enough to step over a fade from black, and little to decode.
    /// </summary>
    private const int FrameCandidates = 50;

    public PreviewLimits Limits => limits;

    /// <summary>Whether sources of this declared type can have previews at all: images (but SVG, a document) and video.</summary>
    public static bool Previews(string mediaType) => MediaKinds.Of(mediaType) is MediaKind.Image or MediaKind.Video;

    /// <summary>Writes the preview of <paramref name="sourcePath"/> into <paramref name="outputFolder"/>.</summary>
    /// <exception cref="PreviewUnavailableException">The source cannot or may not be previewed, or making it took too long.</exception>
    public async Task<RenderedPreview> RenderAsync(string sourcePath, string sourceType, PreviewSpec spec, string outputFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var kind = MediaKinds.Of(sourceType);
        if (kind is not (MediaKind.Image or MediaKind.Video))
            throw new PreviewUnavailableException($"Blobs of type {sourceType} have no preview here: only images and video do");
        if (SizeRefusal(new FileInfo(sourcePath).Length) is { } refusal)
            throw new PreviewUnavailableException(refusal);

        return await WithinTimeLimitAsync(token => kind == MediaKind.Image
            ? Task.Run(() => RenderImage(sourcePath, spec, outputFolder, allowSource: true, token), token)
            : RenderVideoAsync(sourcePath, spec, outputFolder, token), cancellationToken);
    }

    /// <summary>Runs a render under the engine's time limit, which ends it with a refusal that says so.</summary>
    private async Task<RenderedPreview> WithinTimeLimitAsync(Func<CancellationToken, Task<RenderedPreview>> render, CancellationToken cancellationToken)
    {
        using var timeLimit = new CancellationTokenSource(limits.Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);
        try
        {
            return await render(linked.Token);
        }
        catch (OperationCanceledException) when (timeLimit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PreviewUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"Making this preview took longer than this server's limit of {limits.Timeout.TotalSeconds:F0} seconds"));
        }
    }

    /// <summary>
    /// Why a source of this many bytes gets no preview, or null when it may have one: asked before a
    /// store without local files is made to download a copy.
    /// </summary>
    public string? SizeRefusal(long bytes) => bytes > limits.MaxSourceBytes
        ? string.Create(CultureInfo.InvariantCulture, $"This blob of {bytes} bytes is larger than this server's limit of {limits.MaxSourceBytes} bytes for previews")
        : null;

    private RenderedPreview RenderImage(string sourcePath, PreviewSpec spec, string outputFolder, bool allowSource, CancellationToken cancellationToken)
    {
        var loader = VipsImage.FindLoad(sourcePath) ?? throw new PreviewUnavailableException("The image data is damaged or not an image");
        if (!ImageOptimizer.IsSafe(loader))
            throw new PreviewUnavailableException("Not an image format this server previews (JPEG, PNG, WebP, GIF, TIFF, HEIF, AVIF)", loader);
        ImageHeader header;
        try
        {
            header = ImageHeader.Read(sourcePath, loader);
        }
        catch (VipsException e)
        {
            throw new PreviewUnavailableException("The image data is damaged or not an image", e.Message, e);
        }
        var animated = spec.Animated && header.Animated;
        var frames = animated ? header.Pages : 1;
        var pixels = (long)header.Width * header.Height * frames;
        if (pixels > limits.MaxSourcePixels)
            throw new PreviewUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"Image of {header.Width}x{header.Height}{(frames > 1 ? $" x {frames} frames" : "")} is larger than this server's limit of {limits.MaxSourcePixels / 1_000_000} megapixels for previews"));
        // Counted on the source, not the box: a refusal holds for every size, as it is remembered.
        if (animated && pixels > limits.MaxAnimatedPixels)
            throw new PreviewUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"Animation of {header.Width}x{header.Height} x {frames} frames is larger than this server's limit of {limits.MaxAnimatedPixels / 1_000_000.0:0.##} megapixels for animated previews"));
        // A crop draws the picture to cover the box, so it shrinks less while decoding than a scale.
        var (drawnWidth, drawnHeight) = spec.Method == PreviewMethod.Crop ? Covering(header.Upright, spec) : (spec.Width, spec.Height);
        var decodeBytes = header.DecodeBytes(frames, drawnWidth, drawnHeight);
        if (decodeBytes > limits.MaxDecodeBytes)
            throw new PreviewUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"Image of {header.Width}x{header.Height} needs {(decodeBytes + 999_999) / 1_000_000} MB to decode, more than this server's limit of {limits.MaxDecodeBytes / 1_000_000} MB"));

        // Animations stay animated only in WebP; PNG keeps transparency; JPEG has none.
        var format = animated ? PreviewFormat.Webp : spec.Format;
        var (extension, mediaType) = format switch
        {
            PreviewFormat.Jpeg => (".jpg", "image/jpeg"),
            PreviewFormat.Png => (".png", "image/png"),
            _ => (".webp", "image/webp"),
        };
        var output = Path.Combine(outputFolder, Guid.NewGuid().ToString("N") + extension);
        var kept = false;
        try
        {
            using var thumbnail = animated && spec.Method == PreviewMethod.Crop
                ? CropFrames(sourcePath, header, spec)
                : VipsImage.Thumbnail(animated ? sourcePath + "[n=-1]" : sourcePath, spec.Width, height: spec.Height,
                    size: Enums.Size.Down, crop: spec.Method == PreviewMethod.Crop ? Enums.Interesting.Centre : Enums.Interesting.None, outputProfile: header.ThumbnailOutputProfile);
            using var image = format == PreviewFormat.Jpeg && thumbnail.HasAlpha() ? thumbnail.Flatten(background: [255, 255, 255]) : thumbnail.Copy();
            // Decoding happens here, in the save: cancellation (the time limit among it) hooks into it.
            image.SetProgress(new Progress<int>(), cancellationToken);
            switch (format)
            {
                case PreviewFormat.Jpeg:
                    image.Jpegsave(output, q: quality, optimizeCoding: true, keep: Enums.ForeignKeep.None);
                    break;
                case PreviewFormat.Png:
                    image.Pngsave(output, compression: 9, keep: Enums.ForeignKeep.None);
                    break;
                default:
                    image.Webpsave(output, q: quality, keep: Enums.ForeignKeep.None);
                    break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            var height = animated ? image.PageHeight : image.Height;
            if (allowSource && new FileInfo(output).Length > new FileInfo(sourcePath).Length && ShownAsItIs(header, animated) is { } sourceType)
            {
                var (width, sourceHeight) = header.Upright;
                return new RenderedPreview(sourcePath, sourceType, width, sourceHeight, IsSource: true);
            }
            kept = true;
            return new RenderedPreview(output, mediaType, image.Width, height);
        }
        catch (VipsException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new PreviewUnavailableException("The image data is damaged and cannot be decoded", e.Message, e);
        }
        finally
        {
            if (!kept)
                File.Delete(output);
        }
    }

    /// <summary>
    /// An animation filling the box: libvips crops an animation as one tall picture, not frame by
    /// frame, so the frames are scaled to cover the box (never up), then each is cut to its centre.
    /// </summary>
    private static VipsImage CropFrames(string sourcePath, ImageHeader header, PreviewSpec spec)
    {
        var (coverWidth, coverHeight) = Covering((header.Width, header.Height), spec);
        using var scaled = VipsImage.Thumbnail(sourcePath + "[n=-1]", coverWidth, height: coverHeight, size: Enums.Size.Down, outputProfile: header.ThumbnailOutputProfile);
        var pageHeight = scaled.PageHeight;
        var (width, height) = (Math.Min(spec.Width, scaled.Width), Math.Min(spec.Height, pageHeight));
        var (left, top) = ((scaled.Width - width) / 2, (pageHeight - height) / 2);
        var frames = Enumerable.Range(0, scaled.Height / pageHeight).Select(i => scaled.Crop(left, i * pageHeight + top, width, height)).ToArray();
        try
        {
            using var strip = VipsImage.Arrayjoin(frames, across: 1);
            return strip.Mutate(m => m.Set(GValue.GIntType, "page-height", height));
        }
        finally
        {
            foreach (var frame in frames)
                frame.Dispose();
        }
    }

    /// <summary>The size a picture is drawn in to cover the box, keeping its aspect; never larger than it is.</summary>
    private static (int Width, int Height) Covering((int Width, int Height) picture, PreviewSpec spec)
    {
        var scale = Math.Min(1, Math.Max((double)spec.Width / picture.Width, (double)spec.Height / picture.Height));
        return ((int)Math.Ceiling(picture.Width * scale), (int)Math.Ceiling(picture.Height * scale));
    }

    /// <summary>
    /// The source's type when browsers show it as it is and as the preview would: a JPEG, PNG, WebP
    /// or GIF that needs no EXIF turn and, unless the preview is animated too, has one frame.
    /// </summary>
    private static string? ShownAsItIs(ImageHeader header, bool animated)
    {
        if (header.Orientation != 1 || (header.Animated && !animated))
            return null;
        return header.IsJpeg ? "image/jpeg" : header.IsPng ? "image/png" : header.IsWebp ? "image/webp" : header.IsGif ? "image/gif" : null;
    }

    /// <summary>
    /// Cuts the frame with ffmpeg (the same input restrictions as the optimizer's, the same runner
    /// and its time limit) into a lossless PNG, then draws the preview from it as from an image.
    /// </summary>
    private async Task<RenderedPreview> RenderVideoAsync(string sourcePath, PreviewSpec spec, string outputFolder, CancellationToken cancellationToken)
    {
        FFMpegCore.IMediaAnalysis probe;
        try
        {
            probe = await AudioVideoOptimizer.ProbeAsync(sourcePath, cancellationToken);
        }
        catch (FFMpegException e)
        {
            throw new PreviewUnavailableException("Not a decodable video", e.Message, e);
        }
        var video = AudioVideoOptimizer.PrimaryVideo(probe) ?? throw new PreviewUnavailableException("This video has no picture to preview");
        var (width, height) = (video.Width ?? 0, video.Height ?? 0);
        if (width <= 0 || height <= 0)
            throw new PreviewUnavailableException("Not a decodable video: its frame size is unknown");
        if ((long)width * height > limits.MaxSourcePixels)
            throw new PreviewUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"Video of {width}x{height} is larger than this server's limit of {limits.MaxSourcePixels / 1_000_000} megapixels for previews"));
        var maxDuration = TimeSpan.FromSeconds(limits.MaxVideoSeconds);
        if (probe.Duration > maxDuration)
            throw new PreviewUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"Video longer than this server's limit of {limits.MaxVideoSeconds} seconds for previews ({probe.Duration.TotalSeconds:F0} s)"));

        var seek = StillSeekFor(probe.Duration);
        var frame = Path.Combine(outputFolder, Guid.NewGuid().ToString("N") + ".png");
        try
        {
            try
            {
                await CutFrameAsync(sourcePath, seek, frame, maxDuration, cancellationToken);
            }
            catch (MediaRejectedException)
            {
                // Nothing after the seek: a video of one frame, or one whose header overstates its length.
                await CutFrameAsync(sourcePath, TimeSpan.Zero, frame, maxDuration, cancellationToken);
            }
            return RenderStill(frame, spec, outputFolder, cancellationToken);
        }
        catch (MediaRejectedException e)
        {
            throw new PreviewUnavailableException("No frame of this video could be read", e.Detail ?? e.Message, e);
        }
        finally
        {
            File.Delete(frame);
        }
    }

    private Task CutFrameAsync(string sourcePath, TimeSpan seek, string frame, TimeSpan maxDuration, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", Seconds(seek),
            .. AudioVideoOptimizer.InputRestrictions, "-i", sourcePath,
            .. StillOptions(string.Create(CultureInfo.InvariantCulture, $"thumbnail={FrameCandidates}"), frame),
        ];
        // The runner's own time limit is only a backstop: the engine's, in the token, ends the run first, with its own message.
        return FfmpegProcess.RunAsync(new FfmpegRun(arguments, "video frame", TimeSpan.Zero, maxDuration, limits.Timeout * 2), new Progress<int>(), cancellationToken);
    }

    /// <summary>Where a video's still is looked for: <see cref="FrameSeek"/> in, or a tenth of a shorter video.</summary>
    public static TimeSpan StillSeekFor(TimeSpan duration) => duration > TimeSpan.Zero && duration / 10 < FrameSeek ? duration / 10 : FrameSeek;

    /// <summary>
    /// An extra output for an ffmpeg run that decodes a video anyway (the optimizer's): the still a
    /// preview of the video would be drawn from, picked as <see cref="RenderAsync"/> picks it, from
    /// frames scaled by <paramref name="scaleFilter"/>, written to <paramref name="stillPath"/> (PNG).
    /// The second trim passes the candidates only: the run goes on decoding for its main output, and
    /// without it every later frame would be scaled and measured for nothing (2 CPU s of a 10 s 1080p60 clip).
    /// </summary>
    public static IReadOnlyList<string> StillOutput(TimeSpan seek, string scaleFilter, string stillPath) =>
        StillOptions(string.Create(CultureInfo.InvariantCulture,
            $"trim=start={Seconds(seek)},trim=end_frame={FrameCandidates},{scaleFilter},thumbnail={FrameCandidates}"), stillPath);

    /// <summary>A preview drawn from a video's still that <see cref="StillOutput"/> wrote; the still stays the caller's.</summary>
    public Task<RenderedPreview> RenderStillAsync(string stillPath, PreviewSpec spec, string outputFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return WithinTimeLimitAsync(token => Task.Run(() => RenderStill(stillPath, spec, outputFolder, token), token), cancellationToken);
    }

    // The still is this server's own PNG: never the preview itself, however small.
    private RenderedPreview RenderStill(string stillPath, PreviewSpec spec, string outputFolder, CancellationToken cancellationToken) =>
        RenderImage(stillPath, spec, outputFolder, allowSource: false, cancellationToken);

    /// <summary>One frame through <paramref name="filter"/>, as a fast lossless PNG without metadata.</summary>
    private static string[] StillOptions(string filter, string stillPath) =>
        ["-map", "0:V:0", "-vf", filter, "-frames:v", "1", "-c:v", "png", "-compression_level", "1", "-map_metadata", "-1", stillPath];

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture);
}
