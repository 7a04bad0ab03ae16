using System.Globalization;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Core.Media;

/// <summary>
/// Images through libvips: the header is read first to refuse decompression bombs, then
/// <c>thumbnail</c> shrinks on load (a 12 MP JPEG is never decoded at full size), turns the image
/// upright by its EXIF orientation and converts it to sRGB; the encoder keeps no metadata at all.
/// </summary>
public sealed class ImageOptimizer(ImageRecipe recipe)
{
    /// <summary>
    /// The libvips loaders an upload may reach, found by content whatever the declared type.
    /// Others stay out: SVG can pull in files beside the original (other users' originals), and
    /// formats such as vips, matrix or FITS are no photos anyone sends.
    /// </summary>
    private static readonly string[] Loaders =
        ["VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif", "VipsForeignLoadGif", "VipsForeignLoadTiff", "VipsForeignLoadHeif"];

    /// <summary>The loader libvips would use for the file, when it is one an upload may reach; else null.</summary>
    internal static string? SafeLoaderFor(string path) => VipsImage.FindLoad(path) is { } loader && IsSafe(loader) ? loader : null;

    private static bool IsSafe(string loader) => Loaders.Any(l => loader.StartsWith(l, StringComparison.Ordinal));

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
        var (width, height, pages) = ReadHeader(inputPath);
        var pixels = (long)width * height * pages;
        if (pixels > recipe.MaxPixels)
            throw new MediaRejectedException(string.Create(CultureInfo.InvariantCulture,
                $"Image of {width}x{height}{(pages > 1 ? $" x {pages} frames" : "")} is larger than this server's limit of {recipe.MaxPixels / 1_000_000} megapixels"));

        // libvips names loaders like VipsForeignLoadNsgifFile and VipsForeignLoadWebpFile.
        var animated = pages > 1 && (loader.Contains("gif", StringComparison.OrdinalIgnoreCase) || loader.Contains("webp", StringComparison.OrdinalIgnoreCase));
        var webp = animated || recipe.Format == "webp";
        var output = Path.Combine(outputFolder, Guid.NewGuid().ToString("N") + (webp ? ".webp" : ".jpg"));
        try
        {
            using var thumbnail = VipsImage.Thumbnail(animated ? inputPath + "[n=-1]" : inputPath, recipe.MaxWidth, height: recipe.MaxHeight,
                size: Enums.Size.Down, outputProfile: "srgb");
            using var image = !webp && thumbnail.HasAlpha() ? thumbnail.Flatten(background: [255, 255, 255]) : thumbnail.Copy();
            // Decoding happens here, in the save: progress and cancellation hook into it.
            image.SetProgress(progress, cancellationToken);
            if (webp)
                image.Webpsave(output, q: recipe.Quality, keep: Enums.ForeignKeep.None);
            else
                image.Jpegsave(output, q: recipe.Quality, optimizeCoding: true, interlace: true, keep: Enums.ForeignKeep.None);
            cancellationToken.ThrowIfCancellationRequested();
            return new OptimizedMedia(output, webp ? "image/webp" : "image/jpeg");
        }
        catch (VipsException e)
        {
            File.Delete(output);
            cancellationToken.ThrowIfCancellationRequested();
            throw new MediaRejectedException("The image data is damaged and cannot be decoded", e.Message, e);
        }
        catch (OperationCanceledException)
        {
            File.Delete(output);
            throw;
        }
    }

    private static (int Width, int Height, int Pages) ReadHeader(string inputPath)
    {
        try
        {
            // Opening reads the header only; no pixel is decoded.
            using var header = VipsImage.NewFromFile(inputPath, access: Enums.Access.Sequential);
            var pages = header.Contains("n-pages") ? Convert.ToInt32(header.Get("n-pages"), CultureInfo.InvariantCulture) : 1;
            return (header.Width, header.Height, Math.Max(1, pages));
        }
        catch (VipsException e)
        {
            throw new MediaRejectedException("Not a decodable image", e.Message, e);
        }
    }
}
