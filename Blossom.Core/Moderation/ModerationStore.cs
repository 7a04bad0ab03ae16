using Blossom.Core.Data;
using Dapper;

namespace Blossom.Core.Moderation;

/// <summary>A report of one blob (BUD-09): who reported it, why, and the signed event as received.</summary>
/// <param name="EventId">The kind 1984 event's id.</param>
/// <param name="Sha256">The reported blob.</param>
/// <param name="Reporter">The reporter's pubkey.</param>
/// <param name="Kind">The NIP-56 report type (<c>nudity</c>, <c>malware</c>, <c>illegal</c>, …), empty when none was given.</param>
/// <param name="Content">The reporter's words.</param>
/// <param name="Event">The event JSON.</param>
/// <param name="Received">Unix seconds.</param>
public sealed record BlobReport(string EventId, string Sha256, string Reporter, string Kind, string Content, string Event, long Received);

/// <summary>A pubkey the operator blocked from writing.</summary>
public sealed record BlockedPubkey(string Pubkey, string Reason, long Blocked);

/// <summary>Blocks and reports, for the operator.</summary>
public sealed class ModerationStore(SqliteDatabase database, TimeProvider time)
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

    /// <summary>False when the pubkey was not blocked.</summary>
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

    /// <summary>Stores one row per reported blob; a report sent twice is stored once.</summary>
    public async Task AddReportsAsync(IReadOnlyCollection<BlobReport> reports, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO reports (event_id, sha256, reporter, kind, content, event, received) VALUES (@EventId, @Sha256, @Reporter, @Kind, @Content, @Event, @Received) " +
                "ON CONFLICT (event_id, sha256) DO NOTHING",
                reports, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Reports, newest first; of one blob when <paramref name="sha256"/> is given.</summary>
    public async Task<IReadOnlyList<BlobReport>> ReportsAsync(string? sha256, int limit, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var filter = sha256 is null ? "" : "WHERE sha256 = @sha256";
            return (await connection.QueryAsync<BlobReport>(new CommandDefinition(
                "SELECT event_id AS EventId, sha256 AS Sha256, reporter AS Reporter, kind AS Kind, content AS Content, event AS Event, received AS Received " +
                $"FROM reports {filter} ORDER BY received DESC LIMIT @limit",
                new { sha256, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        }
    }
}
