namespace Blossom.Core.Previews;

/// <summary>What a preview may be made from and how long making it may take.</summary>
/// <param name="MaxSourceBytes">Larger sources get no preview.</param>
/// <param name="MaxSourcePixels">Images with more pixels (width x height of one frame, all frames for an animated preview) get none; refused from the header, before decoding.</param>
/// <param name="MaxVideoSeconds">Longer videos get none.</param>
/// <param name="Timeout">Wall-clock time one preview may take to make.</param>
public sealed record PreviewLimits(long MaxSourceBytes, long MaxSourcePixels, int MaxVideoSeconds, TimeSpan Timeout);

/// <summary>A preview file the engine wrote.</summary>
/// <param name="Path">The file, in the output folder; the caller moves or deletes it.</param>
/// <param name="MediaType">Its MIME type.</param>
/// <param name="Width">Pixels across.</param>
/// <param name="Height">Pixels down (of one frame, for an animation).</param>
public sealed record RenderedPreview(string Path, string MediaType, int Width, int Height);

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
/// Makes preview images with libvips (and ffmpeg for a video's frame): shrink-on-load, upright by
/// EXIF orientation, sRGB, no metadata kept, never upscaled.
/// </summary>
public sealed class ThumbnailEngine(PreviewLimits limits, int quality)
{
    public PreviewLimits Limits => limits;

    /// <summary>Whether sources of this declared type can have previews at all (images but SVG, video).</summary>
    public static bool Previews(string mediaType) => throw new NotImplementedException();

    /// <summary>Writes the preview of <paramref name="sourcePath"/> into <paramref name="outputFolder"/>.</summary>
    /// <exception cref="PreviewUnavailableException">The source cannot or may not be previewed.</exception>
    public Task<RenderedPreview> RenderAsync(string sourcePath, string sourceType, PreviewSpec spec, string outputFolder, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"{quality}");
}
