using System.Data.Common;
using Blossom.Core.Moderation;
using Dapper;

namespace Blossom.Core.Data.Sqlite;

/// <summary>Blocks and reports in the SQLite file.</summary>
public sealed class SqliteModerationStore(SqliteDatabase database, TimeProvider time) : SqlModerationStore(database, time)
{
    protected override async Task<IReadOnlyList<string>> InsertFreshReportsAsync(
        DbConnection connection, DbTransaction transaction, ReportEvent report, IReadOnlyCollection<ReportedBlob> blobs, CancellationToken cancellationToken)
    {
        // The transaction is BEGIN IMMEDIATE, so the check and the insert see the same reports; SQLite
        // has no arrays to insert from, so the known blobs are looked up first.
        var known = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT sha256 FROM blob_reports WHERE reporter = @reporter AND sha256 IN @hashes",
            new { reporter = report.Reporter, hashes = blobs.Select(b => b.Sha256).ToList() }, transaction, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        var fresh = blobs.Where(b => !known.Contains(b.Sha256)).ToList();
        if (fresh.Count == 0)
            return [];
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO report_events (event_id, reporter, content, event, received) VALUES (@EventId, @Reporter, @Content, @Event, @Received) " +
            "ON CONFLICT (event_id) DO NOTHING",
            report, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO blob_reports (event_id, sha256, reporter, kind) VALUES (@eventId, @Sha256, @reporter, @Kind) ON CONFLICT DO NOTHING",
            fresh.Select(b => new { eventId = report.EventId, b.Sha256, reporter = report.Reporter, b.Kind }), transaction, cancellationToken: cancellationToken));
        return [.. fresh.Select(b => b.Sha256)];
    }
}
