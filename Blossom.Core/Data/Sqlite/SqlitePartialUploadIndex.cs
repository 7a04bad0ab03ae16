namespace Blossom.Core.Data.Sqlite;

/// <summary>Partial uploads (BUD-14) in the SQLite file, which one server process uses.</summary>
public sealed class SqlitePartialUploadIndex(SqliteDatabase database)
    : SqlPartialUploadIndex(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false), SqlDialect.Sqlite, releaseClaimsAtStart: true);
