using System.Data.Common;
using Blossom.Core.Moderation;
using Dapper;

namespace Blossom.Core.Data;

/// <summary>
/// All SQL about blocks and reports. SQLite and PostgreSQL run the same statements, except for how a
/// report's fresh blobs are told apart from the ones its reporter reported before, which each database
/// answers in its own way.
/// </summary>
public abstract class SqlModerationStore(ISqlDatabase database, TimeProvider time) : IModerationStore
{
    public async Task<bool> IsBlockedAsync(string pubkey, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM blocked_pubkeys WHERE pubkey = @pubkey)", new { pubkey }, cancellationToken: cancellationToken));
        }
    }

    public async Task BlockAsync(string pubkey, string reason, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO blocked_pubkeys (pubkey, reason, blocked) VALUES (@pubkey, @reason, @now) ON CONFLICT (pubkey) DO UPDATE SET reason = excluded.reason",
                new { pubkey, reason, now = time.GetUtcNow().ToUnixTimeSeconds() }, cancellationToken: cancellationToken));
        }
    }

    public async Task ImportBlockAsync(BlockedPubkey block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO blocked_pubkeys (pubkey, reason, blocked) VALUES (@Pubkey, @Reason, @Blocked) ON CONFLICT (pubkey) DO NOTHING",
                block, cancellationToken: cancellationToken));
        }
    }

    public async Task<bool> UnblockAsync(string pubkey, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM blocked_pubkeys WHERE pubkey = @pubkey", new { pubkey }, cancellationToken: cancellationToken)) > 0;
        }
    }

    public async Task<IReadOnlyList<BlockedPubkey>> BlockedAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return (await connection.QueryAsync<BlockedPubkey>(new CommandDefinition(
                "SELECT pubkey AS Pubkey, reason AS Reason, blocked AS Blocked FROM blocked_pubkeys ORDER BY blocked DESC", cancellationToken: cancellationToken))).AsList();
        }
    }

    public async Task<BlockedBlob?> FindBlockedBlobAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.QuerySingleOrDefaultAsync<BlockedBlob>(new CommandDefinition(
                $"{SelectBlockedBlobs} WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken));
        }
    }

    public async Task BlockBlobAsync(string sha256, string reason, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO blocked_blobs (sha256, reason, blocked) VALUES (@sha256, @reason, @now) ON CONFLICT (sha256) DO UPDATE SET reason = excluded.reason",
                new { sha256, reason, now = time.GetUtcNow().ToUnixTimeSeconds() }, cancellationToken: cancellationToken));
        }
    }

    public async Task ImportBlockedBlobAsync(BlockedBlob block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO blocked_blobs (sha256, reason, blocked) VALUES (@Sha256, @Reason, @Blocked) ON CONFLICT (sha256) DO NOTHING",
                block, cancellationToken: cancellationToken));
        }
    }

    public async Task<bool> UnblockBlobAsync(string sha256, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM blocked_blobs WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)) > 0;
        }
    }

    public async Task<IReadOnlyList<BlockedBlob>> BlockedBlobsAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            return (await connection.QueryAsync<BlockedBlob>(new CommandDefinition(
                $"{SelectBlockedBlobs} ORDER BY blocked DESC, sha256", cancellationToken: cancellationToken))).AsList();
        }
    }

    private const string SelectBlockedBlobs = "SELECT sha256 AS Sha256, reason AS Reason, blocked AS Blocked FROM blocked_blobs";

    public async Task<IReadOnlyList<string>> AddReportAsync(ReportEvent report, IReadOnlyCollection<ReportedBlob> blobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(blobs);
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (transaction)
            {
                var fresh = await InsertFreshReportsAsync(connection, transaction, report, blobs, cancellationToken);
                // Nothing fresh: the rollback on dispose keeps the event out too.
                if (fresh.Count == 0)
                    return [];
                await transaction.CommitAsync(cancellationToken);
                return fresh;
            }
        }
    }

    public async Task<IReadOnlyList<BlobReport>> ReportsAsync(string? sha256, int limit, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        await using (connection)
        {
            var filter = sha256 is null ? "" : "WHERE b.sha256 = @sha256";
            return (await connection.QueryAsync<BlobReport>(new CommandDefinition(
                "SELECT e.event_id AS EventId, b.sha256 AS Sha256, e.reporter AS Reporter, b.kind AS Kind, e.content AS Content, e.event AS Event, e.received AS Received " +
                $"FROM blob_reports b JOIN report_events e ON e.event_id = b.event_id {filter} ORDER BY e.received DESC, e.event_id, b.sha256 LIMIT @limit",
                new { sha256, limit }, cancellationToken: cancellationToken))).AsList();
        }
    }

    /// <summary>
    /// Inside <paramref name="transaction"/>, stores the report's event and the blobs its reporter had
    /// not reported yet; returns those blobs' hashes in the report's order (none: the caller rolls back).
    /// </summary>
    protected abstract Task<IReadOnlyList<string>> InsertFreshReportsAsync(
        DbConnection connection, DbTransaction transaction, ReportEvent report, IReadOnlyCollection<ReportedBlob> blobs, CancellationToken cancellationToken);
}
