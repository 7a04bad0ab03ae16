using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Blossom.Core.Blobs;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Previews;

/// <summary>How previews are made on this node.</summary>
/// <param name="Sizes">The allowed boxes.</param>
/// <param name="Concurrency">How many previews this node makes at once, apart from the media workers.</param>
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
    /// <summary>Every preview slot stayed busy for the time limit; try again later.</summary>
    Busy,
}

/// <summary>The preview blob, or why there is none.</summary>
/// <param name="Preview">The preview's blob record, when there is one.</param>
/// <param name="Refusal">Why there is none, in words a person understands.</param>
/// <param name="Kind">What kind of refusal it is.</param>
public sealed record PreviewResult(BlobRecord? Preview, string? Refusal, PreviewRefusalKind Kind)
{
    public static PreviewResult Found(BlobRecord preview) => new(preview, null, PreviewRefusalKind.None);

    public static PreviewResult Refused(PreviewRefusalKind kind, string reason) => new(null, reason, kind);
}

/// <summary>
/// Previews as blobs: found by (source, spec) in the index, so a second request costs a look-up;
/// else made once and committed as an unowned blob derived from its source. Identical requests
/// at the same time share one render: in this process by waiting for the same task, across nodes
/// by a lock on the (source, spec) pair, inside which the index is read again before rendering.
/// At most <see cref="PreviewSettings.Concurrency"/> previews are made at once; a request that
/// finds no free slot within the time limit is told to come back. The (source, spec) sections are
/// an <see cref="IBlobLocks"/> instance of their own, not the blob locks: a preview is committed,
/// which takes the blob section of its hash, while its pair's section is held.
/// </summary>
public sealed partial class PreviewService(
    BlobService blobs, IPreviewIndex index, ThumbnailEngine engine, IBlobLocks locks, PreviewSettings settings, ILogger<PreviewService> logger) : IDisposable
{
    /// <summary>
    /// How long a source that could not be previewed is answered so without trying again: asking
    /// over and over for the preview of a damaged or pathological file costs one attempt per this
    /// long, and a time limit missed on a busy moment is retried soon enough. A refusal holds for
    /// every box, method and format of its kind (still or animated), so asking in each of them
    /// costs no more; an animation refused as such may still have its still preview.
    /// </summary>
    private static readonly TimeSpan RefusalMemory = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(string Source, PreviewSpec Spec), Lazy<Task<PreviewResult>>> _flights = new();
    private readonly MemoryCache _refusals = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private readonly SemaphoreSlim _slots = new(settings.Concurrency, settings.Concurrency);
    private readonly string _workFolder = Path.GetFullPath(Path.Combine(settings.WorkPath, "previews"));
    private long _renders;

    public PreviewSizes Sizes => settings.Sizes;

    /// <summary>How many previews this process has rendered (not found): proof that a preview is made once.</summary>
    public long Renders => Interlocked.Read(ref _renders);

    /// <summary>The spec of the preview a request without options gets: the default box, scaled, WebP, first frame.</summary>
    public PreviewSpec DefaultSpec => settings.Sizes.Snap(null, null, PreviewMethod.Scale, PreviewFormat.Webp, animated: false);

    /// <summary>Whether blobs of this type can have previews.</summary>
    public static bool Supports(string mediaType) => ThumbnailEngine.Previews(mediaType);

    /// <summary>Previews being made now (or waiting for their pair's section), at most <see cref="PreviewSettings.Concurrency"/>.</summary>
    internal int Making => settings.Concurrency - _slots.CurrentCount;

    /// <summary>
    /// The preview, made now when it does not exist yet. A spec outside the allowed sizes is snapped
    /// first, whoever built it, so no caller can have the server render boxes of its choosing.
    /// A video's preview is drawn from <paramref name="still"/> when given (a still of this very video
    /// that <see cref="ThumbnailEngine.StillOutput"/> wrote), instead of cutting one from the blob.
    /// </summary>
    public async Task<PreviewResult> GetOrCreateAsync(string sourceSha256, PreviewSpec spec, CancellationToken cancellationToken, string? still = null)
    {
        spec = Snapped(spec);
        var source = await blobs.FindAsync(sourceSha256, cancellationToken);
        if (source is null)
            return PreviewResult.Refused(PreviewRefusalKind.NotFound, "Blob not found");
        if (!Supports(source.Type))
            return PreviewResult.Refused(PreviewRefusalKind.Unsupported, $"Blobs of type {source.Type} have no preview: only images and video do");
        if (await FindAsync(sourceSha256, spec, cancellationToken) is { } existing)
            return PreviewResult.Found(existing);
        if (engine.SizeRefusal(source.Size) is { } refusal)
            return PreviewResult.Refused(PreviewRefusalKind.Unavailable, refusal);
        if (_refusals.TryGetValue(RefusalKey(sourceSha256, spec), out string? refused))
            return PreviewResult.Refused(PreviewRefusalKind.Unavailable, refused!);

        // The render is shared: it runs to its end (bounded by the time limit) even when the request
        // that started it goes away, since others may be waiting for it.
        var key = (sourceSha256, spec);
        Lazy<Task<PreviewResult>>? flight = null;
        flight = new Lazy<Task<PreviewResult>>(() => MakeOnceAsync(key, source, spec, still, flight!));
        return await _flights.GetOrAdd(key, flight).Value.WaitAsync(cancellationToken);
    }

    /// <summary>The preview when it was made already; never makes one (for descriptors' tags).</summary>
    public async Task<BlobRecord?> FindAsync(string sourceSha256, PreviewSpec spec, CancellationToken cancellationToken)
    {
        var previewSha256 = await index.FindAsync(sourceSha256, Snapped(spec), cancellationToken);
        // A preview blob the operator removed is no preview: the next request makes it again.
        return previewSha256 is null ? null : await blobs.FindAsync(previewSha256, cancellationToken);
    }

    /// <summary>
    /// When a source blob is gone: its previews are forgotten, and their blobs removed unless
    /// someone owns them (the same bytes uploaded) or they are another source's preview too; a
    /// removed preview's own previews (someone asked for a preview of the preview) go the same way,
    /// when its removal is told to <see cref="PreviewLifecycle"/>.
    /// </summary>
    public async Task ForgetSourceAsync(string sourceSha256, CancellationToken cancellationToken)
    {
        foreach (var preview in await index.RemoveForSourceAsync(sourceSha256, cancellationToken))
        {
            if (preview != sourceSha256 && !await index.IsPreviewAsync(preview, cancellationToken))
                await blobs.RemoveUnownedAsync(preview, cancellationToken);
        }
    }

    /// <summary>Whether this blob is offered a preview: a type that has them, within the size limit.</summary>
    public bool Offers(BlobRecord blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return Supports(blob.Type) && engine.SizeRefusal(blob.Size) is null;
    }

    public void Dispose()
    {
        _slots.Dispose();
        _refusals.Dispose();
    }

    private PreviewSpec Snapped(PreviewSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return settings.Sizes.Snap(spec.Width, spec.Height, spec.Method, spec.Format, spec.Animated);
    }

    private async Task<PreviewResult> MakeOnceAsync((string, PreviewSpec) key, BlobRecord source, PreviewSpec spec, string? still, Lazy<Task<PreviewResult>> flight)
    {
        try
        {
            if (!await _slots.WaitAsync(engine.Limits.Timeout))
                return PreviewResult.Refused(PreviewRefusalKind.Busy, "Too many previews are being made; try again shortly");
            try
            {
                return await MakeAsync(source, spec, still);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            _flights.TryRemove(new KeyValuePair<(string, PreviewSpec), Lazy<Task<PreviewResult>>>(key, flight));
        }
    }

    private async Task<PreviewResult> MakeAsync(BlobRecord source, PreviewSpec spec, string? still)
    {
        // Every waiter shares this work, so no one request's cancellation ends it; the engine's time limit bounds it.
        var cancellationToken = CancellationToken.None;
        var section = await locks.EnterAsync(LockKey(source.Sha256, spec), cancellationToken);
        await using (section)
        {
            // Another node may have made it while this one waited for the section.
            if (await FindAsync(source.Sha256, spec, cancellationToken) is { } existing)
                return PreviewResult.Found(existing);
            Directory.CreateDirectory(_workFolder);
            RenderedPreview? rendered;
            try
            {
                rendered = still is not null
                    ? await engine.RenderStillAsync(still, spec, _workFolder, cancellationToken)
                    : await RenderBlobAsync(source, spec, cancellationToken);
            }
            catch (PreviewUnavailableException e)
            {
                LogUnavailable(logger, source.Sha256, e.Message, e.Detail);
                _refusals.Set(RefusalKey(source.Sha256, spec), e.Message, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = RefusalMemory });
                return PreviewResult.Refused(PreviewRefusalKind.Unavailable, e.Message);
            }
            if (rendered is null)
                return PreviewResult.Refused(PreviewRefusalKind.NotFound, "Blob not found");
            Interlocked.Increment(ref _renders);
            var preview = rendered.IsSource ? source : await CommitAsync(source, rendered, cancellationToken);
            await index.AddAsync(source.Sha256, spec, preview.Sha256, cancellationToken);
            LogMade(logger, source.Sha256, spec.Width, spec.Height, preview.Sha256, preview.Size);
            // The source's last owner may have deleted it meanwhile, after its previews were forgotten.
            if (await blobs.FindAsync(source.Sha256, cancellationToken) is null)
            {
                await ForgetSourceAsync(source.Sha256, cancellationToken);
                return PreviewResult.Refused(PreviewRefusalKind.NotFound, "Blob not found");
            }
            return PreviewResult.Found(preview);
        }
    }

    /// <summary>The preview drawn from the blob's bytes (a local copy, for a store without local files); null when they are gone.</summary>
    private async Task<RenderedPreview?> RenderBlobAsync(BlobRecord source, PreviewSpec spec, CancellationToken cancellationToken)
    {
        var file = await blobs.GetLocalFileAsync(source.Sha256, cancellationToken);
        if (file is null)
            return null;
        await using (file)
            return await engine.RenderAsync(file.Path, source.Type, spec, _workFolder, cancellationToken);
    }

    private async Task<BlobRecord> CommitAsync(BlobRecord source, RenderedPreview rendered, CancellationToken cancellationToken)
    {
        try
        {
            var pending = await blobs.Store.BeginWriteAsync(expectedSha256: null, cancellationToken);
            await using (pending)
            {
                var received = await pending.ReceiveFileAsync(rendered.Path, cancellationToken);
                var (blob, _) = await blobs.CommitAsync(pending, received, rendered.MediaType, [], cancellationToken,
                    new DerivedBlob(source.Sha256, DerivedBlobKind.Preview, new BlobMetadata(rendered.Width, rendered.Height, null)));
                return blob;
            }
        }
        finally
        {
            File.Delete(rendered.Path);
        }
    }

    /// <summary>What a refusal is remembered under: the source and whether the preview is animated, not the box.</summary>
    private static (string Source, bool Animated) RefusalKey(string sourceSha256, PreviewSpec spec) => (sourceSha256, spec.Animated);

    /// <summary>
    /// A hash-shaped key for the (source, spec) pair, so the pair's section is taken like a blob's:
    /// the SHA-256 of the source's hash and the spec as the index stores it.
    /// </summary>
    internal static string LockKey(string sourceSha256, PreviewSpec spec) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"preview:{sourceSha256}:{spec.Width}x{spec.Height}:{spec.Method}:{spec.Format}:{spec.Animated}"))));

    [LoggerMessage(EventId = 90, Level = LogLevel.Information, Message = "Preview of {Source} refused: {Reason} ({Detail})")]
    private static partial void LogUnavailable(ILogger logger, string source, string reason, string? detail);

    [LoggerMessage(EventId = 91, Level = LogLevel.Debug, Message = "Preview of {Source} in {Width}x{Height} is {Preview} ({Size} bytes)")]
    private static partial void LogMade(ILogger logger, string source, int width, int height, string preview, long size);
}
