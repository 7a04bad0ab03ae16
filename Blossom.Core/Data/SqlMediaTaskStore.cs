using System.Data.Common;
using Blossom.Core.Blobs;
using Blossom.Core.Media;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>All SQL about media tasks and the results they produced, the same statements in SQLite and PostgreSQL.</summary>
public sealed class SqlMediaTaskStore(ISqlDatabase database, TimeProvider time) : IMediaTaskStore
{
    private readonly SqlDialect _dialect = database.Dialect;

    public Task InsertAsync(MediaTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        return ExecuteAsync(MediaTaskRow.Insert, MediaTaskRow.From(task), cancellationToken);
    }

    public async Task<MediaTask?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"{MediaTaskRow.Select} WHERE t.id = @id", new { id }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<MediaTask>> RunningAsync(CancellationToken cancellationToken) =>
        QueryAsync($"{MediaTaskRow.Select} WHERE t.status = 'running' ORDER BY t.created", null, cancellationToken);

    public Task<IReadOnlyList<MediaTask>> RunningForOriginalAsync(string originalSha256, CancellationToken cancellationToken) =>
        QueryAsync($"{MediaTaskRow.Select} WHERE t.original_sha256 = @originalSha256 AND t.status = 'running'", new { originalSha256 }, cancellationToken);

    public async Task<int> CountRunningForOwnerAsync(string owner, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT CAST(count(*) AS integer) FROM media_tasks WHERE owner = @owner AND status = 'running'", new { owner }, cancellationToken: cancellationToken));
        }
    }

    public Task ReportProgressAsync(string originalSha256, int progress, string message, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE media_tasks SET progress = @progress, message = @message, updated = @now WHERE original_sha256 = @originalSha256 AND status = 'running'",
            new { originalSha256, progress, message, now = Now() }, cancellationToken);

    public Task CompleteAsync(IReadOnlyCollection<string> ids, BlobRecord result, bool resultCreated, string message, string? streamingSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(result);
        return ExecuteAsync(
            "UPDATE media_tasks SET status = 'complete', progress = 100, message = @message, result_sha256 = @Sha256, result_size = @Size, " +
            $"result_type = @Type, result_uploaded = @Uploaded, result_created = @resultCreated, streaming_sha256 = @streamingSha256, updated = @now WHERE id {_dialect.AnyOf("@ids")} AND status = 'running'",
            new { ids = ids.ToArray(), result.Sha256, result.Size, result.Type, result.Uploaded, resultCreated, message, streamingSha256, now = Now() }, cancellationToken);
    }

    public Task CancelAsync(IReadOnlyCollection<string> ids, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ExecuteAsync(
            $"UPDATE media_tasks SET status = 'canceled', message = @message, updated = @now WHERE id {_dialect.AnyOf("@ids")} AND status = 'running'",
            new { ids = ids.ToArray(), message, now = Now() }, cancellationToken);
    }

    public Task CountAttemptAsync(string originalSha256, int delta, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE media_tasks SET attempts = {_dialect.Greatest}(attempts + @delta, 0) WHERE original_sha256 = @originalSha256 AND status = 'running'",
            new { originalSha256, delta }, cancellationToken);

    public async Task<int> CancelAttemptedAsync(int maxAttempts, string message, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE media_tasks SET status = 'canceled', message = @message, updated = @now WHERE status = 'running' AND attempts >= @maxAttempts",
                new { maxAttempts, message, now = Now() }, cancellationToken: cancellationToken));
        }
    }

    public async Task<int> DeleteEndedBeforeAsync(long cutoff, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM media_tasks WHERE status <> 'running' AND updated < @cutoff", new { cutoff }, cancellationToken: cancellationToken));
        }
    }

    public async Task<MediaResult?> FindResultAsync(string originalSha256, string recipe, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.QuerySingleOrDefaultAsync<MediaResult>(new CommandDefinition(
                "SELECT result_sha256 AS ResultSha256, streaming_sha256 AS StreamingSha256 FROM media_results WHERE original_sha256 = @originalSha256 AND recipe = @recipe",
                new { originalSha256, recipe }, cancellationToken: cancellationToken));
        }
    }

    public Task SaveResultAsync(string originalSha256, string recipe, MediaResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ExecuteAsync(
            "INSERT INTO media_results (original_sha256, recipe, result_sha256, streaming_sha256) VALUES (@originalSha256, @recipe, @ResultSha256, @StreamingSha256) " +
            "ON CONFLICT (original_sha256, recipe) DO UPDATE SET result_sha256 = excluded.result_sha256, streaming_sha256 = excluded.streaming_sha256",
            new { originalSha256, recipe, result.ResultSha256, result.StreamingSha256 }, cancellationToken);
    }

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();

    private async Task ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        }
    }

    private async Task<IReadOnlyList<MediaTask>> QueryAsync(string sql, object? parameters, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var rows = await connection.QueryAsync<MediaTaskRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
            return [.. rows.Select(r => r.ToTask())];
        }
    }
}
