namespace Blossom.Core.Data.Sqlite;

/// <summary>Matrix media ids in the SQLite file.</summary>
public sealed class SqliteMatrixMediaIndex(SqliteDatabase database)
    : SqlMatrixMediaIndex(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false), ownerLock: null);
