using Blossom.Core.Blobs;
using FFMpegCore.Exceptions;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Core.Media;

/// <summary>
/// Reads what NIP-94 tags carry beyond hash and size: the picture size of images (libvips reads
/// the header only) and of video (ffprobe, when the media tools are enabled), and a blurhash for
/// images where it is cheap. This runs for every upload, so the blurhash has a budget: a picture
/// whose decoding would cost more than <see cref="BlurhashDecodeBytes"/> (a progressive JPEG of
/// 10000x10000 needs 600 MB of coefficients however small it is drawn) gets none, and at most one
/// image per core is inspected at a time; the others wait their turn, since each is quick.
/// </summary>
/// <param name="probeVideo">Whether ffprobe is available to read video sizes.</param>
/// <param name="maxPixels">Images above this are not decoded for a blurhash at all.</param>
public sealed class BlobInspector(bool probeVideo, long maxPixels) : IBlobInspector, IDisposable
{
    /// <summary>
    /// The most one blurhash may cost to decode, e.g. a 16 MP 8-bit RGBA PNG or an 11 MP progressive
    /// JPEG; baseline JPEG and WebP shrink while they decode, so any size up to the pixel limit fits.
    /// </summary>
    private const long BlurhashDecodeBytes = 64L * 1024 * 1024;

    /// <summary>The blurhash is drawn from a picture this small.</summary>
    private const int BlurhashSide = 32;

    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    public bool Reads(string mediaType) => MediaKinds.Of(mediaType) switch
    {
        MediaKind.Image => true,
        MediaKind.Video => probeVideo,
        _ => false,
    };

    public async Task<BlobMetadata?> InspectAsync(string path, string mediaType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        if (!Reads(mediaType))
            return null;
        return MediaKinds.Of(mediaType) == MediaKind.Image
            ? await InspectImageAsync(path, cancellationToken).ConfigureAwait(false)
            : await InspectVideoAsync(path, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _slots.Dispose();

    private async Task<BlobMetadata?> InspectImageAsync(string path, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => InspectImage(path), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private BlobMetadata? InspectImage(string path)
    {
        if (ImageOptimizer.SafeLoaderFor(path) is not { } loader)
            return null;
        try
        {
            var header = ImageHeader.Read(path, loader);
            var (width, height) = header.Upright;
            var affordable = (long)width * height <= maxPixels
                && header.DecodeBytes(frames: 1, BlurhashSide, BlurhashSide) <= BlurhashDecodeBytes;
            return new BlobMetadata(width, height, affordable ? BlurhashOf(path) : null);
        }
        catch (VipsException)
        {
            return null; // not decodable after all: the blob is stored as it is, without these tags
        }
    }

    private static string BlurhashOf(string path)
    {
        using var small = VipsImage.Thumbnail(path, BlurhashSide, height: BlurhashSide, outputProfile: "srgb");
        using var flat = small.HasAlpha() ? small.Flatten(background: [255, 255, 255]) : small.Copy();
        using var rgb = flat.Bands >= 3 ? flat.ExtractBand(0, 3) : flat.Colourspace(Enums.Interpretation.Srgb).ExtractBand(0, 3);
        using var bytes = rgb.Cast(Enums.BandFormat.Uchar);
        return Blurhash.Encode(bytes.WriteToMemory<byte>(), bytes.Width, bytes.Height, componentsX: 4, componentsY: 3);
    }

    private static async Task<BlobMetadata?> InspectVideoAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var probe = await AudioVideoOptimizer.ProbeAsync(path, cancellationToken).ConfigureAwait(false);
            return AudioVideoOptimizer.PrimaryVideo(probe) is { Width: > 0, Height: > 0 } video
                ? AudioVideoOptimizer.DisplayedSize(video) is var (width, height) ? new BlobMetadata(width, height, null) : null
                : null;
        }
        catch (FFMpegException)
        {
            return null;
        }
    }
}

/// <summary>The blurhash encoding (https://blurha.sh): a few DCT components of a small picture in base 83.</summary>
public static class Blurhash
{
    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

    /// <summary>Encodes packed 8-bit sRGB pixels (3 bytes each, rows top to bottom).</summary>
    public static string Encode(ReadOnlySpan<byte> rgb, int width, int height, int componentsX, int componentsY)
    {
        if (componentsX is < 1 or > 9 || componentsY is < 1 or > 9)
            throw new ArgumentOutOfRangeException(nameof(componentsX), "Components must be 1 to 9.");
        if (rgb.Length < width * height * 3)
            throw new ArgumentException("Fewer bytes than width x height x 3.", nameof(rgb));

        var factors = new (double R, double G, double B)[componentsX * componentsY];
        for (var j = 0; j < componentsY; j++)
        {
            for (var i = 0; i < componentsX; i++)
            {
                double r = 0, g = 0, b = 0;
                for (var y = 0; y < height; y++)
                {
                    var cosY = Math.Cos(Math.PI * j * y / height);
                    for (var x = 0; x < width; x++)
                    {
                        var basis = Math.Cos(Math.PI * i * x / width) * cosY;
                        var at = (y * width + x) * 3;
                        r += basis * SrgbToLinear(rgb[at]);
                        g += basis * SrgbToLinear(rgb[at + 1]);
                        b += basis * SrgbToLinear(rgb[at + 2]);
                    }
                }
                var scale = (i == 0 && j == 0 ? 1.0 : 2.0) / (width * height);
                factors[j * componentsX + i] = (r * scale, g * scale, b * scale);
            }
        }

        var hash = new System.Text.StringBuilder();
        Append(hash, componentsX - 1 + (componentsY - 1) * 9, 1);
        double maximum = 1;
        if (factors.Length > 1)
        {
            var actualMaximum = factors.Skip(1).Max(f => Math.Max(Math.Abs(f.R), Math.Max(Math.Abs(f.G), Math.Abs(f.B))));
            var quantised = (int)Math.Max(0, Math.Min(82, Math.Floor(actualMaximum * 166 - 0.5)));
            maximum = (quantised + 1) / 166.0;
            Append(hash, quantised, 1);
        }
        else
        {
            Append(hash, 0, 1);
        }
        var dc = factors[0];
        Append(hash, (LinearToSrgb(dc.R) << 16) + (LinearToSrgb(dc.G) << 8) + LinearToSrgb(dc.B), 4);
        foreach (var (r, g, b) in factors.Skip(1))
            Append(hash, QuantiseAc(r, maximum) * 19 * 19 + QuantiseAc(g, maximum) * 19 + QuantiseAc(b, maximum), 2);
        return hash.ToString();
    }

    private static int QuantiseAc(double value, double maximum) =>
        (int)Math.Max(0, Math.Min(18, Math.Floor(Math.CopySign(Math.Pow(Math.Abs(value / maximum), 0.5), value) * 9 + 9.5)));

    private static double SrgbToLinear(byte value)
    {
        var v = value / 255.0;
        return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
    }

    private static int LinearToSrgb(double value)
    {
        var v = Math.Clamp(value, 0, 1);
        return v <= 0.0031308 ? (int)(v * 12.92 * 255 + 0.5) : (int)((1.055 * Math.Pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
    }

    private static void Append(System.Text.StringBuilder hash, int value, int length)
    {
        for (var i = 1; i <= length; i++)
            hash.Append(Digits[value / (int)Math.Pow(83, length - i) % 83]);
    }
}
