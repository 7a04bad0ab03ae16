using System.Data.Common;

namespace Blossom.Core.Data;

/// <summary>
/// The database the shared <c>Sql*</c> stores run their statements on: SQLite's one file or the
/// PostgreSQL database every node shares. The stores ask it for connections and for the few
/// spellings the two do not share; the server asks it to bring the schema up to date at start-up.
/// </summary>
public interface ISqlDatabase
{
    /// <summary>Where this database spells a statement differently from the other.</summary>
    SqlDialect Dialect { get; }

    /// <summary>
    /// Whether several server processes use this database at once. When one alone does, what it finds
    /// held at start-up (a completion claim) was left by its previous run and can go at once.
    /// </summary>
    bool SharedByNodes { get; }

    /// <summary>The one batch of durable rows that uploads share on this database.</summary>
    SqlGroupCommit Commits { get; }

    /// <summary>An open connection, which the caller disposes.</summary>
    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Applies the embedded migration scripts not yet applied.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Answers a trivial query, proving the database is reachable.</summary>
    Task CheckReachableAsync(CancellationToken cancellationToken);
}
