using Blossom.Core.Blobs;

namespace Blossom.Core.Previews;

/// <summary>
/// Previews follow their source's life: a removed blob's previews go with it, and with eager previews
/// on (<paramref name="eager"/> given) a new blob that is offered a preview is queued for its default
/// one, whichever way it came (upload, mirror, chunked or Matrix upload, media output). Previews and
/// streaming parts are not previewed in turn. <paramref name="previews"/> is lazy because it commits
/// and removes its preview blobs through the <see cref="BlobService"/> that tells this observer.
/// </summary>
public sealed class PreviewLifecycle(Lazy<PreviewService> previews, EagerPreviews? eager) : IBlobLifecycleObserver
{
    public Task BlobCommittedAsync(BlobRecord blob, DerivedBlob? derived, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (eager is not null && derived?.Kind is null or DerivedBlobKind.Optimized && previews.Value.Offers(blob))
            eager.Enqueue(blob.Sha256);
        return Task.CompletedTask;
    }

    public Task BlobRemovedAsync(string sha256, CancellationToken cancellationToken) =>
        previews.Value.ForgetSourceAsync(sha256, cancellationToken);
}
