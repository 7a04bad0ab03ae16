using Blossom.Core.Blobs;

namespace Blossom.Core.Media;

/// <summary>The optimizer's output file and its type.</summary>
/// <param name="Path">The output file.</param>
/// <param name="MediaType">Its MIME type.</param>
/// <param name="Message">What the finished task says, when it is more than that the media was optimized.</param>
/// <param name="Streaming">The HLS ladder written beside it, when the recipe asks for one; its folder goes with the output.</param>
/// <param name="Metadata">The output's picture size, when the optimizer knows it without reading the output again.</param>
/// <param name="PosterFrame">A still of a video cut in the same run (a PNG beside the output), for its poster; goes with the output.</param>
public sealed record OptimizedMedia(string Path, string MediaType, string? Message = null, HlsLadder? Streaming = null,
    BlobMetadata? Metadata = null, string? PosterFrame = null);

/// <summary>An HLS ladder as ffmpeg wrote it: one media playlist per rendition, its segments beside it in <paramref name="Folder"/>.</summary>
public sealed record HlsLadder(string Folder, IReadOnlyList<HlsRendition> Renditions);

/// <summary>One rendition: its media playlist and its picture size, for the master playlist.</summary>
public sealed record HlsRendition(string Playlist, int Width, int Height);

/// <summary>
/// The media cannot be optimized. The message says why in words a person understands and is shown
/// to the uploader; <see cref="Detail"/> is for the operator's log only (it may name local paths).
/// </summary>
public sealed class MediaRejectedException : Exception
{
    public MediaRejectedException(string message, string? detail = null, Exception? innerException = null)
        : base(message, innerException) => Detail = detail ?? innerException?.Message;

    public MediaRejectedException() { }

    public MediaRejectedException(string message) : base(message) { }

    public MediaRejectedException(string message, Exception innerException) : this(message, null, innerException) { }

    public string? Detail { get; }

    /// <summary>Set when the tool (ffmpeg) failed on input it had accepted, rather than the input being refused up front.</summary>
    public bool ToolFailed { get; init; }
}

/// <summary>Turns an original into its optimized form, reporting progress 0 to 100.</summary>
public interface IMediaOptimizer
{
    /// <summary>Writes the result into <paramref name="outputFolder"/>; on failure or cancellation nothing is left there.</summary>
    /// <exception cref="MediaRejectedException">The media cannot be optimized.</exception>
    Task<OptimizedMedia> OptimizeAsync(string inputPath, MediaKind kind, string outputFolder, IProgress<int> progress, CancellationToken cancellationToken);
}
