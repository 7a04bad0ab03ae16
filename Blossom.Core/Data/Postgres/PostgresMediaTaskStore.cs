namespace Blossom.Core.Data.Postgres;

/// <summary>Media tasks and their results on the database every node shares.</summary>
public sealed class PostgresMediaTaskStore(PostgresDatabase database, TimeProvider time)
    : SqlMediaTaskStore(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false), SqlDialect.Postgres, time);
