namespace Blossom.Core.Data.Postgres;

/// <summary>Previews on the database every node shares.</summary>
public sealed class PostgresPreviewIndex(PostgresDatabase database)
    : SqlPreviewIndex(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false));
