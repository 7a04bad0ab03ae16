namespace Blossom.Core.Data.Sqlite;

/// <summary>Media tasks and their results in the SQLite file.</summary>
public sealed class SqliteMediaTaskStore(SqliteDatabase database, TimeProvider time)
    : SqlMediaTaskStore(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false), SqlDialect.Sqlite, time);
