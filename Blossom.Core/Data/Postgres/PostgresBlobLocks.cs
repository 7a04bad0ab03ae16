using System.Globalization;
using Blossom.Core.Blobs;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// The blob sections of every node on one database: a PostgreSQL advisory lock on the hash's first
/// 64 bits, held in a transaction for the section (see <see cref="PostgresAdvisoryLocks"/>). Two
/// hashes share a lock only when their first 64 bits agree, which costs a wait, never correctness.
/// </summary>
public sealed class PostgresBlobLocks(string connectionString) : IBlobLocks, IAsyncDisposable
{
    private readonly PostgresAdvisoryLocks _locks = new(connectionString, "blob locks");

    public Task<IAsyncDisposable> EnterAsync(string sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        // Sixteen hex digits parse as the 64 bits they spell, negative when the first is 8 or above.
        return _locks.EnterAsync(long.Parse(sha256.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture), cancellationToken);
    }

    public ValueTask DisposeAsync() => _locks.DisposeAsync();
}
