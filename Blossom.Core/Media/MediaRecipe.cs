using System.Globalization;

namespace Blossom.Core.Media;

/// <summary>How images are optimized.</summary>
/// <param name="MaxWidth">Results fit in MaxWidth x MaxHeight; smaller images are never upscaled.</param>
/// <param name="MaxHeight">See <paramref name="MaxWidth"/>.</param>
/// <param name="Format"><c>webp</c> or <c>jpeg</c>; animations are always WebP.</param>
/// <param name="Quality">Encoder quality, 1 to 100.</param>
/// <param name="MaxPixels">Larger inputs (all frames counted) are refused before decoding: decompression bombs.</param>
/// <param name="MaxDecodeBytes">Inputs whose decoding would cost more bytes are refused before decoding (see <see cref="ImageHeader.DecodeBytes"/>).</param>
/// <param name="MaxFrames">Animations with more frames are refused before decoding.</param>
public sealed record ImageRecipe(int MaxWidth, int MaxHeight, string Format, int Quality, long MaxPixels, long MaxDecodeBytes, int MaxFrames);

/// <summary>How video and audio are optimized: H.264 + AAC in MP4, or AAC in M4A for audio alone.</summary>
/// <param name="MaxHeight">Video whose short side (the height of landscape video, the width of portrait) is longer is scaled down to it; never upscaled.</param>
/// <param name="MaxFps">Faster frame rates are reduced to this.</param>
/// <param name="Crf">libx264 constant rate factor (0 to 51, lower is better).</param>
/// <param name="Preset">libx264 preset, e.g. <c>fast</c>.</param>
/// <param name="MaxDurationSeconds">Longer media is refused after probing, and while transcoding when the header understated it.</param>
/// <param name="MaxInputDimension">Input wider or taller than this is refused after probing.</param>
/// <param name="AudioBitrateKbps">AAC bitrate.</param>
/// <param name="MaxTranscodeSeconds">Wall-clock time one ffmpeg run may take; then it is ended and the task canceled.</param>
/// <param name="Hls">An HLS ladder besides the MP4, or none.</param>
public sealed record VideoRecipe(int MaxHeight, int MaxFps, int Crf, string Preset, int MaxDurationSeconds, int MaxInputDimension, int AudioBitrateKbps, int MaxTranscodeSeconds, HlsRecipe? Hls = null);

/// <summary>The adaptive ladder made besides the MP4 (HLS, MPEG-TS segments), encoded as the MP4 is.</summary>
/// <param name="Heights">
/// The short sides of the renditions. Those at or above the MP4's own short side collapse into one
/// rendition of the MP4's size, so the ladder never goes above the source or the MP4.
/// </param>
/// <param name="SegmentSeconds">Segment length; every rendition has a keyframe at each multiple of it, so players switch between them at any segment.</param>
public sealed record HlsRecipe(IReadOnlyList<int> Heights, int SegmentSeconds)
{
    /// <summary>Names the ladder in <see cref="MediaRecipe.Fingerprint"/>.</summary>
    public string Fingerprint => string.Create(CultureInfo.InvariantCulture, $"hls:{string.Join('/', Heights)},{SegmentSeconds}s");
}

/// <summary>Everything that decides what an original becomes.</summary>
public sealed record MediaRecipe(ImageRecipe Image, VideoRecipe Video)
{
    /// <summary>
    /// Names the output settings, so a stored result is reused only while the settings that made
    /// it are the ones in force.
    /// </summary>
    public string Fingerprint => string.Create(CultureInfo.InvariantCulture,
        $"v1;image:{Image.MaxWidth}x{Image.MaxHeight},{Image.Format},q{Image.Quality};video:short{Video.MaxHeight},{Video.MaxFps}fps,crf{Video.Crf},{Video.Preset},aac{Video.AudioBitrateKbps}{(Video.Hls is { } hls ? ";" + hls.Fingerprint : "")}");
}
