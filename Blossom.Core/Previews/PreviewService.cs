using Blossom.Core.Blobs;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Previews;

/// <summary>How previews are made on this node.</summary>
/// <param name="Sizes">The allowed boxes.</param>
/// <param name="Concurrency">How many previews are made at once, apart from the media workers.</param>
/// <param name="WorkPath">This node's folder for previews being made.</param>
public sealed record PreviewSettings(PreviewSizes Sizes, int Concurrency, string WorkPath);

/// <summary>Why a preview was not given.</summary>
public enum PreviewRefusalKind
{
    /// <summary>There is a preview.</summary>
    None,
    /// <summary>No such source blob.</summary>
    NotFound,
    /// <summary>The source's type has no previews (not an image or video).</summary>
    Unsupported,
    /// <summary>The source cannot or may not be previewed: damaged, over the limits, too slow.</summary>
    Unavailable,
    /// <summary>Too many previews are being made; try again later.</summary>
    Busy,
}

/// <summary>The preview blob, or why there is none.</summary>
/// <param name="Preview">The preview's blob record, when there is one.</param>
/// <param name="Refusal">Why there is none, in words a person understands.</param>
/// <param name="Kind">What kind of refusal it is.</param>
public sealed record PreviewResult(BlobRecord? Preview, string? Refusal, PreviewRefusalKind Kind);

/// <summary>
/// Previews as blobs: found by (source, spec) in the index, else made once — identical concurrent
/// requests share one render, across nodes through the blob locks — and committed as an unowned
/// blob derived from its source.
/// </summary>
public sealed partial class PreviewService(
    BlobService blobs, IPreviewIndex index, ThumbnailEngine engine, IBlobLocks locks, PreviewSettings settings, ILogger<PreviewService> logger)
{
    public PreviewSizes Sizes => settings.Sizes;

    /// <summary>How many previews this process has rendered (not found): proof that a preview is made once.</summary>
    public long Renders => throw new NotImplementedException();

    /// <summary>The spec of the preview a request without options gets: the default box, scaled, WebP, first frame.</summary>
    public PreviewSpec DefaultSpec => throw new NotImplementedException();

    /// <summary>Whether blobs of this type can have previews.</summary>
    public static bool Supports(string mediaType) => ThumbnailEngine.Previews(mediaType);

    /// <summary>The preview, made now when it does not exist yet.</summary>
    public Task<PreviewResult> GetOrCreateAsync(string sourceSha256, PreviewSpec spec, CancellationToken cancellationToken) =>
        throw new NotImplementedException($"{blobs}{index}{engine}{locks}{logger}");

    /// <summary>The preview when it was made already; never makes one (for descriptors' tags).</summary>
    public Task<BlobRecord?> FindAsync(string sourceSha256, PreviewSpec spec, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>When a source blob is gone: its previews go too, unless someone owns them.</summary>
    public Task ForgetSourceAsync(string sourceSha256, CancellationToken cancellationToken) => throw new NotImplementedException();
}
