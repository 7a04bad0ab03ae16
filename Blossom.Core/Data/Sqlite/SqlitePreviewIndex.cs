namespace Blossom.Core.Data.Sqlite;

/// <summary>Previews in the SQLite file.</summary>
public sealed class SqlitePreviewIndex(SqliteDatabase database)
    : SqlPreviewIndex(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false));
