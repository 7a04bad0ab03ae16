using Blossom.Core.Blobs;
using Blossom.Core.Media;
using Blossom.Core.Previews;
using Blossom.Core.Retention;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Descriptors as the upload, mirror and media answers give them: URLs from the address the request
/// came to (or <c>PublicUrl</c>), and NIP-94 <c>thumb</c> and <c>image</c> tags for the previews that
/// exist already (describing never makes one, nor queues one: new blobs are queued for eager previews
/// when committed, see <see cref="PreviewLifecycle"/>), and the blob's sunset when the storage rules are to remove it.
/// </summary>
internal sealed class BlobDescriptions(PublicBaseUrl baseUrl, PreviewService previews, BlobSunsets sunsets, IOptions<PreviewOptions> options)
{
    public async Task<BlobDescriptor> DescribeAsync(BlobRecord blob, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var prefix = baseUrl.For(request);
        var descriptor = BlobDescriptor.From(blob, prefix) with { Sunset = await sunsets.OfAsync(blob, cancellationToken) };
        return await WithPreviewsAsync(descriptor, blob, prefix, cancellationToken);
    }

    /// <summary>The task object; a complete task's <c>blob</c> also with its preview tags.</summary>
    public async Task<MediaTaskResponse> DescribeAsync(MediaTask task, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var prefix = baseUrl.For(request);
        var answer = MediaTaskResponse.From(task, prefix);
        return answer.Blob is { } descriptor && task.Result is { } result
            ? answer with { Blob = await WithPreviewsAsync(descriptor, result, prefix, cancellationToken) }
            : answer;
    }

    private async Task<BlobDescriptor> WithPreviewsAsync(BlobDescriptor descriptor, BlobRecord blob, string prefix, CancellationToken cancellationToken) =>
        await PreviewsOfAsync(blob, cancellationToken) is { } previews ? descriptor.WithPreviews(previews, prefix) : descriptor;

    private async Task<BlobPreviews?> PreviewsOfAsync(BlobRecord blob, CancellationToken cancellationToken)
    {
        if (!PreviewOffer.Offered(options.Value, blob.Type, blob.Size))
            return null;
        var thumb = await previews.FindAsync(blob.Sha256, previews.DefaultSpec, cancellationToken);
        var poster = MediaKinds.Of(blob.Type) == MediaKind.Video
            ? await previews.FindAsync(blob.Sha256, VideoPoster.SpecFor(previews.Sizes), cancellationToken)
            : null;
        return thumb is null && poster is null ? null : new BlobPreviews(thumb, poster);
    }
}
