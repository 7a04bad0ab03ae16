using Blossom.Core.Blobs;

namespace Blossom.Core.Media;

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
