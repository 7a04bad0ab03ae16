using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>What optimized still images are encoded as; written lowercase in settings and in <c>/info</c>.</summary>
public enum ImageFormat
{
    Webp,
    Jpeg,
}

/// <summary><c>Blossom:Media:Image</c>: what images become.</summary>
public sealed class MediaImageOptions
{
    public const string Section = "Blossom:Media:Image";

    [Range(16, 16384)]
    public int MaxWidth { get; set; } = 1920;

    [Range(16, 16384)]
    public int MaxHeight { get; set; } = 1080;

    /// <summary><c>webp</c> (default) or <c>jpeg</c>. Animations are always WebP.</summary>
    public ImageFormat Format { get; set; } = ImageFormat.Webp;

    [Range(1, 100)]
    public int Quality { get; set; } = 80;

    /// <summary>Larger images (all frames counted) are refused before decoding. Default 100 megapixels.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = 100_000_000;

    /// <summary>
    /// Images whose decoding would cost more bytes are refused before decoding: bands x bytes per
    /// sample x pixels x frames, in full for progressive JPEG (its coefficients) and interlaced
    /// PNG/GIF, which are held whole; baseline JPEG and WebP count at the size they shrink to on
    /// load. Default 512 MiB: any 8-bit RGB picture up to <see cref="MaxPixels"/>, 16-bit RGBA up to 67 MP.
    /// </summary>
    [Range(1_000_000, long.MaxValue)]
    public long MaxDecodeBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Animations with more frames are refused before decoding. Default 1000: 100 seconds at
    /// 10 frames per second, beyond what people send as animated pictures; encoding each frame
    /// costs CPU time (4097 frames took 48 s).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxFrames { get; set; } = 1000;

}

/// <summary>Checks <see cref="MediaImageOptions"/> at start-up against its attributes, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class MediaImageOptionsValidator : IValidateOptions<MediaImageOptions>;
