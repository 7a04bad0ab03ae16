namespace Blossom.Core.Data.Postgres;

/// <summary>
/// Matrix media ids on the database every node shares. Two nodes creating ids for one user at once
/// would both count below the pending limit under READ COMMITTED, so the count and the insert take a
/// transaction-scoped advisory lock of the user's first.
/// </summary>
public sealed class PostgresMatrixMediaIndex(PostgresDatabase database)
    : SqlMatrixMediaIndex(async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false),
        $"SELECT pg_advisory_xact_lock({PendingLockSpace}, hashtext(@Owner))")
{
    // The first of the two 32-bit lock keys: keeps these locks apart from the other pair-keyed ones.
    private const int PendingLockSpace = 0x6d786d70; // "mxmp"
}
