using System.Globalization;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Core.Media;

/// <summary>
/// What libvips reads from an image's header without decoding a pixel, and what decoding it
/// would cost: the numbers every budget on images is checked against.
/// </summary>
/// <param name="Loader">The libvips loader, e.g. <c>VipsForeignLoadJpegFile</c>.</param>
/// <param name="Width">Stored width, before any EXIF turn.</param>
/// <param name="Height">Stored height, before any EXIF turn.</param>
/// <param name="Pages">Frames or pages in the file, at least 1.</param>
/// <param name="Bands">Samples per pixel (3 for RGB, 4 with alpha).</param>
/// <param name="SampleBytes">Bytes per sample: 1 for 8-bit, 2 for 16-bit.</param>
/// <param name="Interlaced">A progressive JPEG, or an interlaced PNG or GIF.</param>
/// <param name="Orientation">The EXIF orientation, 1 (upright) when none.</param>
/// <param name="PlainSrgb">8-bit sRGB (or sRGB with alpha) without an embedded colour profile.</param>
public sealed record ImageHeader(string Loader, int Width, int Height, int Pages, int Bands, int SampleBytes, bool Interlaced, int Orientation, bool PlainSrgb)
{
    /// <summary>The largest factor JPEG and WebP decoders shrink by while they decode.</summary>
    private const int MaxLoadShrink = 8;

    /// <exception cref="VipsException">The file is no image libvips can read.</exception>
    public static ImageHeader Read(string path, string loader)
    {
        // Opening reads the header only; no pixel is decoded.
        using var header = VipsImage.NewFromFile(path, access: Enums.Access.Sequential);
        return new ImageHeader(
            loader,
            header.Width,
            header.Height,
            Math.Max(1, IntField(header, "n-pages") ?? 1),
            header.Bands,
            SampleBytesOf(header.Format),
            IntField(header, "interlaced") is > 0,
            IntField(header, "orientation") ?? 1,
            header.Interpretation == Enums.Interpretation.Srgb && header.Format == Enums.BandFormat.Uchar && !header.Contains("icc-profile-data"));
    }

    /// <summary>
    /// The profile a thumbnail of this image is exported with so that it shows as meant without
    /// a profile of its own: sRGB, except for an image that is plain sRGB already. There the
    /// transform would change no pixel, yet libvips computes it per pixel (a power function each):
    /// two fifths of the time of a 12 MP JPEG's thumbnail.
    /// </summary>
    public string? ThumbnailOutputProfile => PlainSrgb ? null : "srgb";

    public bool IsJpeg => Loader.StartsWith("VipsForeignLoadJpeg", StringComparison.Ordinal);

    public bool IsPng => Loader.StartsWith("VipsForeignLoadPng", StringComparison.Ordinal);

    /// <summary>GIF through libnsgif (current libvips) or giflib (older).</summary>
    public bool IsGif => Loader.StartsWith("VipsForeignLoadNsgif", StringComparison.Ordinal) || Loader.StartsWith("VipsForeignLoadGif", StringComparison.Ordinal);

    public bool IsWebp => Loader.StartsWith("VipsForeignLoadWebp", StringComparison.Ordinal);

    /// <summary>Whether the frames play as an animation (GIF, WebP) rather than being separate pages (TIFF, HEIF).</summary>
    public bool Animated => Pages > 1 && (IsGif || IsWebp);

    /// <summary>The size as shown, turned by the EXIF orientation.</summary>
    public (int Width, int Height) Upright => Orientation >= 5 ? (Height, Width) : (Width, Height);

    /// <summary>
    /// The bytes decoding <paramref name="frames"/> frames costs, to draw a picture that fits
    /// <paramref name="targetWidth"/> x <paramref name="targetHeight"/>. A baseline JPEG or WebP
    /// is scaled while it is decoded (up to 1/8 per side), so it counts at that size. A progressive
    /// JPEG cannot be: libjpeg keeps every DCT coefficient (2 bytes per sample) of the whole
    /// picture until the last scan. Everything else (PNG, GIF, TIFF, HEIF; interlaced PNG and GIF
    /// even held whole in memory) counts at its full decoded size, bands times sample size.
    /// </summary>
    public long DecodeBytes(int frames, int targetWidth, int targetHeight)
    {
        if (IsJpeg && Interlaced)
            return (long)Width * Height * Bands * 2 * frames;
        var shrink = (IsJpeg || IsWebp) ? LoadShrink(targetWidth, targetHeight) : 1;
        return (long)DivideUp(Width, shrink) * DivideUp(Height, shrink) * Bands * SampleBytes * frames;
    }

    /// <summary>The power of two, at most 8, a shrink-on-load decoder would scale down by to still cover the target.</summary>
    private int LoadShrink(int targetWidth, int targetHeight)
    {
        var (width, height) = Upright;
        var factor = Math.Max((double)width / targetWidth, (double)height / targetHeight);
        var shrink = 1;
        while (shrink < MaxLoadShrink && shrink * 2 <= factor)
            shrink *= 2;
        return shrink;
    }

    private static int DivideUp(int value, int by) => (value + by - 1) / by;

    private static int SampleBytesOf(Enums.BandFormat format) => format switch
    {
        Enums.BandFormat.Uchar or Enums.BandFormat.Char => 1,
        Enums.BandFormat.Ushort or Enums.BandFormat.Short => 2,
        Enums.BandFormat.Uint or Enums.BandFormat.Int or Enums.BandFormat.Float => 4,
        Enums.BandFormat.Complex or Enums.BandFormat.Double => 8,
        _ => 16,
    };

    private static int? IntField(VipsImage header, string name) =>
        header.Contains(name) && header.Get(name) is { } value ? Convert.ToInt32(value, CultureInfo.InvariantCulture) : null;
}
