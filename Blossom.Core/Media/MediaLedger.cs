using Blossom.Core.Blobs;
using Blossom.Core.Changes;

namespace Blossom.Core.Media;

/// <summary>
/// What the request side (<see cref="MediaTasks"/>) and the job runner (<see cref="MediaJobRunner"/>)
/// share: the task rows in <see cref="IMediaTaskStore"/>, the jobs in <see cref="IMediaJobQueue"/>, whose
/// lock every node's submissions, cancellations and completions take, the originals in their own
/// <see cref="IBlobStore"/>, and the <see cref="IChangeNotifier"/> that long-polls wait on.
/// </summary>
public sealed class MediaLedger(IMediaTaskStore tasks, IMediaJobQueue queue, IChangeNotifier changes, IBlobStore originals)
{
    /// <summary>Where the originals live inside the storage the blobs use; never a blob's name.</summary>
    public const string OriginalsFolder = "originals";

    public IMediaTaskStore Tasks => tasks;

    public IMediaJobQueue Queue => queue;

    public IChangeNotifier Changes => changes;

    /// <summary>Uploaded originals, kept until their job ends; never served.</summary>
    public IBlobStore Originals => originals;

    /// <summary>Under the lock: removes an original unless a job needs it.</summary>
    public async Task DiscardOriginalUnlessQueuedAsync(string sha256, CancellationToken cancellationToken)
    {
        if (await queue.FindAsync(sha256, cancellationToken) is null)
            await originals.DeleteAsync(sha256, cancellationToken);
    }
}
