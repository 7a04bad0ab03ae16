namespace Blossom.Core.Data.Postgres;

/// <summary>Partial uploads (BUD-14) on the database every node shares, so each node can take the next chunk of any.</summary>
public sealed class PostgresPartialUploadIndex(PostgresDatabase database)
    : SqlPartialUploadIndex(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false), SqlDialect.Postgres, releaseClaimsAtStart: false);
