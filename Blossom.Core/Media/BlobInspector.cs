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
            ? await InspectImageAsync(path, cancellationToken)
            : await InspectVideoAsync(path, cancellationToken);
    }

    public void Dispose() => _slots.Dispose();

    private async Task<BlobMetadata?> InspectImageAsync(string path, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => InspectImage(path), cancellationToken);
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
            return new BlobMetadata(width, height, affordable ? BlurhashOf(path, header) : null);
        }
        catch (VipsException)
        {
            return null; // not decodable after all: the blob is stored as it is, without these tags
        }
    }

    private static string BlurhashOf(string path, ImageHeader header)
    {
        using var small = VipsImage.Thumbnail(path, BlurhashSide, height: BlurhashSide, outputProfile: header.ThumbnailOutputProfile);
        using var flat = small.HasAlpha() ? small.Flatten(background: [255, 255, 255]) : small.Copy();
        using var rgb = flat.Bands >= 3 ? flat.ExtractBand(0, 3) : flat.Colourspace(Enums.Interpretation.Srgb).ExtractBand(0, 3);
        using var bytes = rgb.Cast(Enums.BandFormat.Uchar);
        return Blurhash.Encode(bytes.WriteToMemory<byte>(), bytes.Width, bytes.Height, componentsX: 4, componentsY: 3);
    }

    private static async Task<BlobMetadata?> InspectVideoAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var probe = await AudioVideoOptimizer.ProbeAsync(path, cancellationToken);
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
