using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>libx264's presets, fastest first; written lowercase in settings, as ffmpeg takes them.</summary>
public enum X264Preset
{
    Ultrafast,
    Superfast,
    Veryfast,
    Faster,
    Fast,
    Medium,
    Slow,
    Slower,
    Veryslow,
}

/// <summary><c>Blossom:Media:Video</c>: what video and audio become.</summary>
public sealed class MediaVideoOptions : IValidatableObject
{
    public const string Section = "Blossom:Media:Video";

    /// <summary>
    /// The "p" of the result: video whose short side (the height of landscape video, the width of
    /// portrait video) is longer is scaled down to it, so a 1080x1920 phone clip stays as it is under
    /// 1080. The name predates portrait video and is kept. Default 1080.
    /// </summary>
    [Range(144, 4320)]
    public int MaxHeight { get; set; } = 1080;

    [Range(1, 240)]
    public int MaxFps { get; set; } = 30;

    /// <summary>libx264 quality, 0 (lossless) to 51. Default 23, x264's own default.</summary>
    [Range(0, 51)]
    public int Crf { get; set; } = 23;

    /// <summary>libx264 preset. Default <c>fast</c>: near <c>medium</c>'s size at a fraction of its time on small servers.</summary>
    public X264Preset Preset { get; set; } = X264Preset.Fast;

    /// <summary>Longer media is refused. Default 30 minutes.</summary>
    [Range(1, 86_400)]
    public int MaxDurationSeconds { get; set; } = 1800;

    /// <summary>Wider or taller input is refused. Default 8192.</summary>
    [Range(16, 16384)]
    public int MaxInputDimension { get; set; } = 8192;

    [Range(32, 512)]
    public int AudioBitrateKbps { get; set; } = 128;

    /// <summary>
    /// Wall-clock time one transcode may take before ffmpeg is ended and the task canceled. Default
    /// 2 hours: four times the longest accepted media, so a small server still finishes it.
    /// </summary>
    [Range(1, 604_800)]
    public int MaxTranscodeSeconds { get; set; } = 7200;

    /// <summary>
    /// Whether optimized video also gets an HLS ladder (MPEG-TS segments, variant and master
    /// playlists, each a blob of the uploader's, named by relative hash paths). Default false: it
    /// costs an encode per rendition and fills the uploader's list with segments.
    /// </summary>
    public bool Hls { get; set; }

    /// <summary>
    /// The ladder's short sides (the height of landscape video, the width of portrait, as for
    /// <see cref="MaxHeight"/>). Those at or above the MP4's short side become one rendition of the
    /// MP4's size: never above the source. Empty means 1080, 720, 480.
    /// </summary>
    public int[] HlsHeights { get; set; } = [];

    /// <summary>HLS segment length. Default 6 s, Apple's recommendation: short enough to switch renditions often, long enough to stay efficient.</summary>
    [Range(1, 60)]
    public int HlsSegmentSeconds { get; set; } = 6;

    /// <summary>The ladder when <see cref="HlsHeights"/> is empty.</summary>
    public static readonly IReadOnlyList<int> DefaultHlsHeights = [1080, 720, 480];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!HlsHeights.All(h => h is >= 144 and <= 4320))
            yield return new($"Media:Video:HlsHeights must list short sides from 144 to 4320; it lists {string.Join(", ", HlsHeights)}.");
    }
}

/// <summary>Checks <see cref="MediaVideoOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class MediaVideoOptionsValidator : IValidateOptions<MediaVideoOptions>;
