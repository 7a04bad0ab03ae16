using System.Globalization;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Core.Media;

/// <summary>
/// Images through libvips: the header is read first to refuse decompression bombs (by frames,
/// pixels and the bytes decoding would cost), then <c>thumbnail</c> shrinks on load (a 12 MP JPEG
/// is never decoded at full size), turns the image upright by its EXIF orientation and converts it
/// to sRGB; the encoder keeps no metadata at all. A result larger than the original is no
/// optimization: then the original is kept instead, copied without its metadata, where it can be.
/// </summary>
public sealed class ImageOptimizer(ImageRecipe recipe)
{
    /// <summary>The task's message when the larger result had to be kept.</summary>
    private const string LargerMessage =
        "Finished optimizing image, though the result is larger than the original: the original needs resizing or turning upright, or its format's metadata cannot be removed here";

    /// <summary>
    /// The libvips loaders an upload may reach, found by content whatever the declared type.
    /// Others stay out: SVG can pull in files beside the original (other users' originals), and
    /// formats such as vips, matrix or FITS are no photos anyone sends.
    /// </summary>
    private static readonly string[] Loaders =
        ["VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif", "VipsForeignLoadGif", "VipsForeignLoadTiff", "VipsForeignLoadHeif"];

    /// <summary>The loader libvips would use for the file, when it is one an upload may reach; else null.</summary>
    internal static string? SafeLoaderFor(string path) => VipsImage.FindLoad(path) is { } loader && IsSafe(loader) ? loader : null;

    internal static bool IsSafe(string loader) => Loaders.Any(l => loader.StartsWith(l, StringComparison.Ordinal));

    /// <summary>
    /// Loads libvips and sets it up for a server: no operation cache (each image is seen once) and
    /// one decode thread per worker's share of the cores. Throws when libvips cannot be loaded.
    /// </summary>
    public static string Initialize(int workers)
    {
        Cache.Max = 0;
        Cache.MaxFiles = 0;
        Cache.MaxMem = 0;
        NetVips.NetVips.Concurrency = Math.Max(1, Environment.ProcessorCount / Math.Max(1, workers));
        return string.Create(CultureInfo.InvariantCulture, $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}");
    }

    public OptimizedMedia Optimize(string inputPath, string outputFolder, IProgress<int> progress, CancellationToken cancellationToken)
    {
        var loader = VipsImage.FindLoad(inputPath) ?? throw new MediaRejectedException("Not a decodable image");
        if (!IsSafe(loader))
            throw new MediaRejectedException("Not an image format this server optimizes (JPEG, PNG, WebP, GIF, TIFF, HEIF, AVIF)", loader);
        var header = ReadHeader(inputPath, loader);
        // Other pages (of a TIFF, say) are never decoded: only an animation's frames count.
        var frames = header.Animated ? header.Pages : 1;
        CheckBudget(header, frames);

        var webp = header.Animated || recipe.Format == "webp";
        var output = Path.Combine(outputFolder, Guid.NewGuid().ToString("N") + (webp ? ".webp" : ".jpg"));
        OptimizedMedia? result = null;
        try
        {
            using var thumbnail = VipsImage.Thumbnail(header.Animated ? inputPath + "[n=-1]" : inputPath, recipe.MaxWidth, height: recipe.MaxHeight,
                size: Enums.Size.Down, outputProfile: header.ThumbnailOutputProfile);
            using var image = !webp && thumbnail.HasAlpha() ? thumbnail.Flatten(background: [255, 255, 255]) : thumbnail.Copy();
            // Decoding happens here, in the save: progress and cancellation hook into it.
            image.SetProgress(progress, cancellationToken);
            if (webp)
                image.Webpsave(output, q: recipe.Quality, keep: Enums.ForeignKeep.None);
            else
                image.Jpegsave(output, q: recipe.Quality, optimizeCoding: true, interlace: true, keep: Enums.ForeignKeep.None);
            cancellationToken.ThrowIfCancellationRequested();
            result = new OptimizedMedia(output, webp ? "image/webp" : "image/jpeg");
            if (new FileInfo(output).Length > new FileInfo(inputPath).Length)
            {
                var resized = (image.Width, header.Animated ? image.PageHeight : image.Height) != header.Upright;
                result = KeepSmaller(inputPath, outputFolder, header, resized) ?? result with { Message = LargerMessage };
            }
            return result;
        }
        catch (VipsException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new MediaRejectedException("The image data is damaged and cannot be decoded", e.Message, e);
        }
        finally
        {
            if (result?.Path != output)
                File.Delete(output);
        }
    }

    /// <summary>
    /// When the optimized image came out larger than the original, a smaller result with nothing
    /// the original's owner did not mean to publish: the original itself, copied without its
    /// metadata, when it needs no change to fit (no resize, no EXIF turn) and is a PNG, GIF, JPEG
    /// or WebP; else null. Serving the original as it came would publish its GPS position and the like.
    /// </summary>
    private static OptimizedMedia? KeepSmaller(string inputPath, string outputFolder, ImageHeader header, bool resized)
    {
        var type = header.IsPng ? "image/png" : header.IsGif ? "image/gif" : header.IsJpeg ? "image/jpeg" : header.IsWebp ? "image/webp" : null;
        if (type is null || resized || header.Orientation != 1)
            return null;
        var copy = Path.Combine(outputFolder, Guid.NewGuid().ToString("N") + "." + type["image/".Length..]);
        return MetadataStripper.TryCopy(inputPath, copy, header)
            ? new OptimizedMedia(copy, type, "Kept the original image without its metadata: optimizing would have made it larger")
            : null;
    }

    /// <summary>
    /// Refuses, before any pixel is decoded, what would take too long or too much memory: too many
    /// frames, too many pixels, or too many bytes to decode (see <see cref="ImageHeader.DecodeBytes"/>).
    /// </summary>
    private void CheckBudget(ImageHeader header, int frames)
    {
        if (frames > recipe.MaxFrames)
            throw new MediaRejectedException(string.Create(CultureInfo.InvariantCulture,
                $"Animation of {frames} frames is longer than this server's limit of {recipe.MaxFrames} frames"));
        var size = string.Create(CultureInfo.InvariantCulture, $"{header.Width}x{header.Height}{(frames > 1 ? $" x {frames} frames" : "")}");
        if ((long)header.Width * header.Height * frames > recipe.MaxPixels)
            throw new MediaRejectedException(string.Create(CultureInfo.InvariantCulture,
                $"Image of {size} is larger than this server's limit of {recipe.MaxPixels / 1_000_000} megapixels"));
        var bytes = header.DecodeBytes(frames, recipe.MaxWidth, recipe.MaxHeight);
        if (bytes > recipe.MaxDecodeBytes)
        {
            var traits = new List<string>();
            if (header.SampleBytes > 1)
                traits.Add(string.Create(CultureInfo.InvariantCulture, $"{header.SampleBytes * 8}-bit"));
            if (header.Interlaced)
                traits.Add(header.IsJpeg ? "progressive" : "interlaced");
            throw new MediaRejectedException(string.Create(CultureInfo.InvariantCulture,
                $"Image of {size}{(traits.Count > 0 ? $" ({string.Join(", ", traits)})" : "")} needs {(bytes + 999_999) / 1_000_000} MB to decode, more than this server's limit of {recipe.MaxDecodeBytes / 1_000_000} MB"));
        }
    }

    private static ImageHeader ReadHeader(string inputPath, string loader)
    {
        try
        {
            return ImageHeader.Read(inputPath, loader);
        }
        catch (VipsException e)
        {
            throw new MediaRejectedException("Not a decodable image", e.Message, e);
        }
    }
}
