namespace Blossom.Core.Media;

/// <summary>How a job ended, for the worker's log.</summary>
/// <param name="Job">The job.</param>
/// <param name="Status">How its tasks ended; running when the server is stopping and will resume them.</param>
/// <param name="Rejection">Set when the media could not be optimized.</param>
/// <param name="Failure">Set when the server failed; the tasks were ended with a message.</param>
public sealed record MediaJobOutcome(MediaJob Job, MediaTaskStatus Status, MediaRejectedException? Rejection = null, Exception? Failure = null);
