using Blossom.Core.Moderation;
using Dapper;

namespace Blossom.Core.Data.Sqlite;

/// <summary>All SQL about blocks and reports.</summary>
public sealed class SqliteModerationStore(SqliteDatabase database, TimeProvider time) : IModerationStore
{
    public async Task<bool> IsBlockedAsync(string pubkey, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM blocked_pubkeys WHERE pubkey = @pubkey)", new { pubkey }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task BlockAsync(string pubkey, string reason, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO blocked_pubkeys (pubkey, reason, blocked) VALUES (@pubkey, @reason, @now) ON CONFLICT (pubkey) DO UPDATE SET reason = excluded.reason",
                new { pubkey, reason, now = time.GetUtcNow().ToUnixTimeSeconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task ImportBlockAsync(BlockedPubkey block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO blocked_pubkeys (pubkey, reason, blocked) VALUES (@Pubkey, @Reason, @Blocked) ON CONFLICT (pubkey) DO NOTHING",
                block, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task<bool> UnblockAsync(string pubkey, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM blocked_pubkeys WHERE pubkey = @pubkey", new { pubkey }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    public async Task<IReadOnlyList<BlockedPubkey>> BlockedAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return (await connection.QueryAsync<BlockedPubkey>(new CommandDefinition(
                "SELECT pubkey AS Pubkey, reason AS Reason, blocked AS Blocked FROM blocked_pubkeys ORDER BY blocked DESC", cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        }
    }

    public async Task<IReadOnlyList<string>> AddReportAsync(ReportEvent report, IReadOnlyCollection<ReportedBlob> blobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(blobs);
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // BEGIN IMMEDIATE: the check and the insert see the same reports.
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var known = (await connection.QueryAsync<string>(new CommandDefinition(
                    "SELECT sha256 FROM blob_reports WHERE reporter = @reporter AND sha256 IN @hashes",
                    new { reporter = report.Reporter, hashes = blobs.Select(b => b.Sha256).ToList() }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
                var fresh = blobs.Where(b => !known.Contains(b.Sha256)).ToList();
                if (fresh.Count == 0)
                    return [];
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO report_events (event_id, reporter, content, event, received) VALUES (@EventId, @Reporter, @Content, @Event, @Received) " +
                    "ON CONFLICT (event_id) DO NOTHING",
                    report, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO blob_reports (event_id, sha256, reporter, kind) VALUES (@eventId, @Sha256, @reporter, @Kind) ON CONFLICT DO NOTHING",
                    fresh.Select(b => new { eventId = report.EventId, b.Sha256, reporter = report.Reporter, b.Kind }), transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return [.. fresh.Select(b => b.Sha256)];
            }
        }
    }

    public async Task<IReadOnlyList<BlobReport>> ReportsAsync(string? sha256, int limit, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var filter = sha256 is null ? "" : "WHERE b.sha256 = @sha256";
            return (await connection.QueryAsync<BlobReport>(new CommandDefinition(
                "SELECT e.event_id AS EventId, b.sha256 AS Sha256, e.reporter AS Reporter, b.kind AS Kind, e.content AS Content, e.event AS Event, e.received AS Received " +
                $"FROM blob_reports b JOIN report_events e ON e.event_id = b.event_id {filter} ORDER BY e.received DESC, e.event_id, b.sha256 LIMIT @limit",
                new { sha256, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        }
    }
}
