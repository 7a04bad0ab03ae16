using System.Data.Common;
using Blossom.Core.Moderation;
using Dapper;

namespace Blossom.Core.Data.Postgres;

/// <summary>Blocks and reports on the database every node shares.</summary>
public sealed class PostgresModerationStore(PostgresDatabase database, TimeProvider time) : SqlModerationStore(database, time)
{
    protected override async Task<IReadOnlyList<string>> InsertFreshReportsAsync(
        DbConnection connection, DbTransaction transaction, ReportEvent report, IReadOnlyCollection<ReportedBlob> blobs, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO report_events (event_id, reporter, content, event, received) VALUES (@EventId, @Reporter, @Content, @Event, @Received) ON CONFLICT (event_id) DO NOTHING",
            report, transaction, cancellationToken: cancellationToken));
        // A look-up first, as on SQLite, would not see a report of the same blob arriving on another node
        // now: the unique (sha256, reporter) index decides what is fresh, and RETURNING names it.
        var fresh = (await connection.QueryAsync<string>(new CommandDefinition(
            "INSERT INTO blob_reports (event_id, sha256, reporter, kind) SELECT @eventId, r.sha256, @reporter, r.kind FROM unnest(@hashes, @kinds) AS r (sha256, kind) " +
            "ON CONFLICT DO NOTHING RETURNING sha256",
            new { eventId = report.EventId, reporter = report.Reporter, hashes = blobs.Select(b => b.Sha256).ToArray(), kinds = blobs.Select(b => b.Kind).ToArray() },
            transaction, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        return [.. blobs.Select(b => b.Sha256).Where(fresh.Contains)];
    }
}
