using System.Globalization;

namespace Blossom.Core.Data;

/// <summary>The few spellings SQLite and PostgreSQL do not share, for the stores written once for both.</summary>
public sealed class SqlDialect
{
    public static readonly SqlDialect Sqlite = new("max", "IN {0}", "", transactionLock: null, rowsAsArrays: false);

    public static readonly SqlDialect Postgres = new("GREATEST", "= ANY({0})", " FOR UPDATE", "SELECT pg_advisory_xact_lock({0}, hashtext({1}))", rowsAsArrays: true);

    private readonly string _anyOf;
    private readonly string? _transactionLock;

    private SqlDialect(string greatest, string anyOf, string forUpdate, string? transactionLock, bool rowsAsArrays)
    {
        Greatest = greatest;
        RowsAsArrays = rowsAsArrays;
        _anyOf = anyOf;
        ForUpdate = forUpdate;
        _transactionLock = transactionLock;
    }

    /// <summary>The larger of two values: SQLite's max(a, b) is scalar with two arguments, PostgreSQL's max is only an aggregate.</summary>
    public string Greatest { get; }

    /// <summary>
    /// Whether a batch of rows is best sent as one statement over arrays (<c>unnest</c>): PostgreSQL's
    /// statements are round trips to its server, a tenth of a millisecond and more each, where SQLite runs
    /// in-process and a statement per row costs little (and it has no arrays).
    /// </summary>
    public bool RowsAsArrays { get; }

    /// <summary>
    /// "equals one of" an array parameter, to follow a column: Dapper expands the array into
    /// <c>IN (@p1, @p2, …)</c> for SQLite, while Npgsql sends it as one array, which only <c>= ANY</c> takes.
    /// </summary>
    public string AnyOf(string parameter) => string.Format(CultureInfo.InvariantCulture, _anyOf, parameter);

    /// <summary>
    /// Ends a SELECT whose rows stay locked until the transaction ends: PostgreSQL's <c>FOR UPDATE</c>,
    /// as several nodes write at once; nothing in SQLite, which has no row locks and whose
    /// BEGIN IMMEDIATE transactions already hold the database's one write lock.
    /// </summary>
    public string ForUpdate { get; }

    /// <summary>
    /// A statement that holds a lock of a text key, in a space of locks, until the transaction ends:
    /// PostgreSQL's transaction-scoped advisory lock on the key's hash; null for SQLite, whose
    /// BEGIN IMMEDIATE transactions already hold the database's one write lock.
    /// </summary>
    public string? TransactionLock(int space, string keyParameter) =>
        _transactionLock is null ? null : string.Format(CultureInfo.InvariantCulture, _transactionLock, space, keyParameter);
}
