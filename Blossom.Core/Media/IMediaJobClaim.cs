namespace Blossom.Core.Media;

/// <summary>A worker's hold on one job, from its claim until the worker disposes it.</summary>
public interface IMediaJobClaim : IAsyncDisposable
{
    MediaJob Job { get; }

    /// <summary>How often the job was claimed, this claim included: a job that kills its worker every time is given up.</summary>
    int Attempt { get; }

    /// <summary>Fires when the job was removed (its requesters canceled it) or another worker took it over.</summary>
    CancellationToken Lost { get; }

    /// <summary>
    /// Whether this claim still holds the job. Under the queue's lock a true answer means no other
    /// worker finishes it, so the result is written once.
    /// </summary>
    Task<bool> HoldsAsync(CancellationToken cancellationToken);

    /// <summary>Hands the job back without counting this attempt, when the server stops before it ends.</summary>
    Task ReleaseAsync(CancellationToken cancellationToken);
}
