using Blossom.Core.Blobs;

namespace Blossom.Core.Media;

/// <summary>The only states a task ever has (seed BUD-05); a failure ends <see cref="Canceled"/> with a message.</summary>
public enum MediaTaskStatus
{
    Running,
    Complete,
    Canceled,
}

/// <summary>One <c>PUT /media</c> request's long-running optimization.</summary>
/// <param name="Id">Random and unguessable: <c>GET /media/&lt;id&gt;</c> needs no token.</param>
/// <param name="Owner">The uploader's pubkey, who owns the result and may cancel; null when anonymous.</param>
/// <param name="OriginalSha256">The hash of the uploaded original.</param>
/// <param name="OriginalType">The original's declared MIME type.</param>
/// <param name="Status">Running until it ends complete or canceled.</param>
/// <param name="Progress">0 to 100.</param>
/// <param name="Message">What is happening, or why the task was canceled, in words a person understands.</param>
/// <param name="Result">The optimized blob, when complete.</param>
/// <param name="ResultCreated">Whether the result blob was new to the store when this task completed.</param>
/// <param name="Created">Unix seconds of the request.</param>
/// <param name="Updated">Unix seconds of the last change.</param>
/// <param name="Streaming">The master playlist of the result's HLS ladder, when one was made and is still stored.</param>
public sealed record MediaTask(
    string Id,
    string? Owner,
    string OriginalSha256,
    string OriginalType,
    MediaTaskStatus Status,
    int Progress,
    string Message,
    BlobRecord? Result,
    bool ResultCreated,
    long Created,
    long Updated,
    BlobRecord? Streaming = null)
{
    public bool IsRunning => Status == MediaTaskStatus.Running;
}

/// <summary>The task rows: the single source of truth about tasks, so a restart loses none.</summary>
public interface IMediaTaskStore
{
    Task InsertAsync(MediaTask task, CancellationToken cancellationToken);

    Task<MediaTask?> FindAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<MediaTask>> RunningAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<MediaTask>> RunningForOriginalAsync(string originalSha256, CancellationToken cancellationToken);

    Task<int> CountRunningForOwnerAsync(string owner, CancellationToken cancellationToken);

    /// <summary>Sets progress and message on the running tasks of an original.</summary>
    Task ReportProgressAsync(string originalSha256, int progress, string message, CancellationToken cancellationToken);

    /// <summary>
    /// Ends the given tasks as complete with <paramref name="result"/> (and the master playlist of its
    /// HLS ladder, when one was made), those still running only.
    /// </summary>
    Task CompleteAsync(IReadOnlyCollection<string> ids, BlobRecord result, bool resultCreated, string message, string? streamingSha256, CancellationToken cancellationToken);

    /// <summary>Ends the given tasks as canceled with <paramref name="message"/>, those still running only.</summary>
    Task CancelAsync(IReadOnlyCollection<string> ids, string message, CancellationToken cancellationToken);

    /// <summary>
    /// Adds <paramref name="delta"/> to the attempts of the running tasks of an original: +1 when its
    /// job starts, -1 when the server stopped it cleanly (it did not fail).
    /// </summary>
    Task CountAttemptAsync(string originalSha256, int delta, CancellationToken cancellationToken);

    /// <summary>Ends running tasks with at least <paramref name="maxAttempts"/> attempts as canceled with <paramref name="message"/>; returns how many.</summary>
    Task<int> CancelAttemptedAsync(int maxAttempts, string message, CancellationToken cancellationToken);

    /// <summary>Forgets tasks that ended before <paramref name="cutoff"/> (unix seconds); returns how many.</summary>
    Task<int> DeleteEndedBeforeAsync(long cutoff, CancellationToken cancellationToken);

    Task<MediaResult?> FindResultAsync(string originalSha256, string recipe, CancellationToken cancellationToken);

    Task SaveResultAsync(string originalSha256, string recipe, MediaResult result, CancellationToken cancellationToken);
}

/// <summary>What an original became under a recipe: the optimized blob, and the master playlist of its HLS ladder when one was made.</summary>
public sealed record MediaResult(string ResultSha256, string? StreamingSha256 = null);
