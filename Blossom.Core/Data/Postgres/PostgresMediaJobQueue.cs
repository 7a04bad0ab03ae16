using System.Collections.Concurrent;
using Blossom.Core.Media;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// The media queue every node shares: the <c>media_jobs</c> table. A worker claims the oldest job
/// nobody holds with <c>FOR UPDATE SKIP LOCKED</c> and a lease its heartbeat renews; when the
/// worker's node dies the lease runs out and any node's worker claims the job again. New jobs are
/// announced with <c>NOTIFY</c>, lapsed leases found by polling.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a queue of jobs, not a collection type named after its base.")]
public sealed partial class PostgresMediaJobQueue : IMediaJobQueue, IDisposable
{
    public const string Channel = "blossom_media_jobs";

    // Two 32-bit keys ("media", 1): a key space apart from the single-bigint advisory locks of other parts.
    private const int LockClass = 0x6d656469;
    private const int LockId = 1;

    private const string Waiting = "(lease_until IS NULL OR lease_until < now())";

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _node;
    private readonly double _leaseSeconds;
    private readonly TimeSpan _heartbeat;
    private readonly TimeSpan _poll;
    private readonly ConcurrentDictionary<Guid, Claim> _claims = new();
    // Set when a job was announced; a claimer that found nothing waits on it or on the poll.
    private readonly SemaphoreSlim _announced = new(0, int.MaxValue);
    private int _lastCounted;

    /// <summary>
    /// <paramref name="lease"/> is how long a claim holds a job without a heartbeat (which renews it
    /// three times as often); <paramref name="node"/> names the claimer for an operator reading the table.
    /// </summary>
    public PostgresMediaJobQueue(PostgresDatabase database, PostgresListener listener, int capacity, TimeSpan lease, string node, TimeProvider time, ILogger<PostgresMediaJobQueue> logger)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.FromSeconds(1));
        (_database, Capacity, _node, _time, _logger) = (database, capacity, node, time, logger);
        _leaseSeconds = lease.TotalSeconds;
        _heartbeat = lease / 3;
        _poll = TimeSpan.FromTicks(Math.Clamp(lease.Ticks / 4, TimeSpan.TicksPerSecond / 4, 5 * TimeSpan.TicksPerSecond));
        // Null after a reconnect: jobs may have been announced meanwhile, so the claimers look again.
        listener.Subscribe(Channel, _ => _announced.Release());
    }

    public bool Durable => true;

    public int Capacity { get; }

    public int LastCountedWaiting => Volatile.Read(ref _lastCounted);

    public void Dispose() => _announced.Dispose();

    public async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_lock(@LockClass, @LockId)", new { LockClass, LockId }, cancellationToken: cancellationToken));
            return new Held(connection);
        }
        catch
        {
            // Closing the session also ends a lock it may have got.
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<int> CountWaitingAsync(CancellationToken cancellationToken)
    {
        var count = await ScalarAsync<int>($"SELECT count(*)::int FROM media_jobs WHERE {Waiting}", null, cancellationToken);
        Volatile.Write(ref _lastCounted, count);
        return count;
    }

    public async Task<MediaJob?> FindAsync(string originalSha256, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var row = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
                "SELECT job_id AS JobId, original_sha256 AS OriginalSha256, original_type AS OriginalType, kind AS Kind, attempts AS Attempts " +
                "FROM media_jobs WHERE original_sha256 = @originalSha256", new { originalSha256 }, cancellationToken: cancellationToken));
            return row?.ToJob();
        }
    }

    public async Task<bool> TryEnqueueAsync(MediaJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        // Counted, inserted and announced in one statement, under the lock every admission takes.
        var added = await ScalarAsync<int>(
            "WITH added AS (INSERT INTO media_jobs (job_id, original_sha256, original_type, kind) " +
            $"SELECT @JobId, @OriginalSha256, @OriginalType, @Kind WHERE (SELECT count(*) FROM media_jobs WHERE {Waiting}) < @Capacity RETURNING job_id) " +
            "SELECT count(*)::int FROM (SELECT pg_notify(@Channel, '') FROM added) announced",
            new { job.JobId, job.OriginalSha256, job.OriginalType, Kind = job.Kind.ToString(), Capacity, Channel }, cancellationToken);
        return added > 0;
    }

    public Task RequeueAsync(MediaJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return ExecuteAsync(
            "INSERT INTO media_jobs (job_id, original_sha256, original_type, kind) VALUES (@JobId, @OriginalSha256, @OriginalType, @Kind) " +
            "ON CONFLICT (original_sha256) DO NOTHING; SELECT pg_notify(@Channel, '')",
            new { job.JobId, job.OriginalSha256, job.OriginalType, Kind = job.Kind.ToString(), Channel }, cancellationToken);
    }

    public async Task<IMediaJobClaim> ClaimAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var leaseId = Guid.NewGuid();
            var connection = await _database.OpenAsync(cancellationToken);
            JobRow? row;
            await using (connection)
            {
                row = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
                    "UPDATE media_jobs SET attempts = attempts + 1, lease_id = @leaseId, leased_by = @node, lease_until = now() + make_interval(secs => @lease) " +
                    $"WHERE job_id = (SELECT job_id FROM media_jobs WHERE {Waiting} ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED) " +
                    "RETURNING job_id AS JobId, original_sha256 AS OriginalSha256, original_type AS OriginalType, kind AS Kind, attempts AS Attempts",
                    new { leaseId, node = _node, lease = _leaseSeconds }, cancellationToken: cancellationToken));
            }
            if (row is not null)
            {
                var claim = new Claim(this, row.ToJob(), row.Attempts, leaseId);
                _claims[row.JobId] = claim;
                return claim;
            }
            // Nothing waits: until a job is announced, or a lease may have run out.
            await _announced.WaitAsync(_poll, cancellationToken);
        }
    }

    public async Task<bool> RemoveAsync(MediaJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var removed = await ExecuteAsync("DELETE FROM media_jobs WHERE job_id = @JobId", new { job.JobId }, cancellationToken) > 0;
        // A claim on this node stops at once; one on another node at its next heartbeat.
        if (_claims.TryGetValue(job.JobId, out var claim))
            await claim.LoseAsync();
        return removed;
    }

    private async Task<int> ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        }
    }

    private async Task<T> ScalarAsync<T>(string sql, object? parameters, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return (await connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)))!;
        }
    }

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Media: renewing the lease of job {JobId} failed; trying again")]
    private partial void LogHeartbeatFailed(Exception exception, Guid jobId);

    private sealed record JobRow(Guid JobId, string OriginalSha256, string OriginalType, string Kind, int Attempts)
    {
        public MediaJob ToJob() => new(JobId, OriginalSha256, OriginalType, Enum.Parse<MediaKind>(Kind));
    }

    /// <summary>A lease on one job, renewed by a heartbeat until the worker disposes the claim.</summary>
    private sealed class Claim : IMediaJobClaim
    {
        private readonly PostgresMediaJobQueue _queue;
        private readonly Guid _leaseId;
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _done = new();
        private readonly Task _heartbeat;

        public Claim(PostgresMediaJobQueue queue, MediaJob job, int attempt, Guid leaseId)
        {
            (_queue, Job, Attempt, _leaseId) = (queue, job, attempt, leaseId);
            _heartbeat = BeatAsync(_done.Token);
        }

        public MediaJob Job { get; }

        public int Attempt { get; }

        public CancellationToken Lost => _lost.Token;

        /// <summary>Renews the lease; false when this claim no longer holds the job.</summary>
        public async Task<bool> HoldsAsync(CancellationToken cancellationToken)
        {
            var held = await _queue.ExecuteAsync(
                "UPDATE media_jobs SET lease_until = now() + make_interval(secs => @lease) WHERE job_id = @JobId AND lease_id = @leaseId",
                new { lease = _queue._leaseSeconds, Job.JobId, leaseId = _leaseId }, cancellationToken) > 0;
            if (!held)
                await LoseAsync();
            return held;
        }

        public Task ReleaseAsync(CancellationToken cancellationToken) =>
            _queue.ExecuteAsync(
                "UPDATE media_jobs SET attempts = greatest(attempts - 1, 0), lease_id = NULL, leased_by = NULL, lease_until = NULL " +
                "WHERE job_id = @JobId AND lease_id = @leaseId; SELECT pg_notify(@Channel, '')",
                new { Job.JobId, leaseId = _leaseId, Channel }, cancellationToken);

        public async Task LoseAsync()
        {
            try
            {
                await _lost.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // The worker let go of the claim meanwhile: nothing runs that could be stopped.
            }
        }

        public async ValueTask DisposeAsync()
        {
            _queue._claims.TryRemove(new KeyValuePair<Guid, Claim>(Job.JobId, this));
            await _done.CancelAsync();
            try
            {
                await _heartbeat;
            }
            catch (OperationCanceledException)
            {
                // The heartbeat ends with the claim.
            }
            _done.Dispose();
            _lost.Dispose();
        }

        private async Task BeatAsync(CancellationToken done)
        {
            using var timer = new PeriodicTimer(_queue._heartbeat, _queue._time);
            while (await timer.WaitForNextTickAsync(done))
            {
                try
                {
                    if (!await HoldsAsync(done))
                        return;
                }
                catch (Exception e) when (!done.IsCancellationRequested)
                {
                    // The database may be back before the lease runs out; if not, another node takes the job.
                    _queue.LogHeartbeatFailed(e, Job.JobId);
                }
            }
        }
    }

    /// <summary>The session holding the advisory lock; closing it releases the lock.</summary>
    private sealed class Held(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Unlocked explicitly so the session returns to the pool clean.
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@LockClass, @LockId)", new { LockClass, LockId });
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
