using System.Globalization;

namespace Blossom.Core.Previews;

/// <summary>
/// The boxes previews are made in. Every request is snapped to one of a few sizes, as large media
/// repositories do, so nobody can make the server render and store a million variants of one blob.
/// </summary>
public sealed class PreviewSizes
{
    /// <summary>The sizes offered when the operator sets none: what large Matrix media repositories offer.</summary>
    public static readonly IReadOnlyList<(int Width, int Height)> Defaults = [(32, 32), (96, 96), (320, 240), (640, 480), (800, 600), (1280, 720)];

    /// <summary>A request that names no size gets the first box at least this wide: a feed's tile.</summary>
    private const int DefaultMinWidth = 320;

    public PreviewSizes(IReadOnlyList<(int Width, int Height)> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (allowed.Count == 0 || allowed.Any(s => s.Width <= 0 || s.Height <= 0))
            throw new ArgumentException("Preview sizes must be one or more positive boxes.", nameof(allowed));
        Allowed = [.. allowed.Distinct().OrderBy(s => (long)s.Width * s.Height).ThenBy(s => s.Width)];
        Largest = Allowed[^1];
        DefaultBox = Allowed.FirstOrDefault(s => s.Width >= DefaultMinWidth, Largest);
    }

    /// <summary>The allowed boxes, smallest (by area) first.</summary>
    public IReadOnlyList<(int Width, int Height)> Allowed { get; }

    /// <summary>The box used when a request names no size: the first at least 320 pixels wide, else the largest.</summary>
    public (int Width, int Height) DefaultBox { get; }

    /// <summary>The largest allowed box (a video's poster frame).</summary>
    public (int Width, int Height) Largest { get; }

    /// <summary>
    /// The smallest allowed box at least as large as the request in both dimensions, else the
    /// largest; a missing dimension takes the other's value; neither: <see cref="DefaultBox"/>.
    /// An animated preview is always WebP, the one format here that animates.
    /// </summary>
    public PreviewSpec Snap(int? width, int? height, PreviewMethod method, PreviewFormat format, bool animated)
    {
        var (w, h) = (width ?? height, height ?? width) is (int a, int b) ? (a, b) : DefaultBox;
        var box = Allowed.FirstOrDefault(s => s.Width >= w && s.Height >= h, Largest);
        return new PreviewSpec(box.Width, box.Height, method, animated ? PreviewFormat.Webp : format, animated);
    }

    /// <summary>Reads "WxH" entries (e.g. <c>320x240</c>); null with the reason when one is not a positive size.</summary>
    public static IReadOnlyList<(int Width, int Height)>? Parse(IEnumerable<string> sizes, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var parsed = new List<(int, int)>();
        foreach (var size in sizes)
        {
            var parts = size.Split('x', 'X');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
                || width is <= 0 or > MaxSide || height is <= 0 or > MaxSide)
            {
                problem = $"'{size}' is not a size WIDTHxHEIGHT with sides from 1 to {MaxSide}";
                return null;
            }
            parsed.Add((width, height));
        }
        problem = parsed.Count == 0 ? "at least one size is needed" : null;
        return parsed.Count == 0 ? null : parsed;
    }

    /// <summary>The longest side a preview box may have: a preview is a small picture, not a second original.</summary>
    public const int MaxSide = 4096;
}
