using System.Data.Common;
using Blossom.Core.Blobs;
using Dapper;

namespace Blossom.Core.Data.Postgres;

/// <summary>
/// Blobs and owners on the database every node shares. A blob's row is locked (<c>FOR UPDATE</c>)
/// by whatever changes its owners, so two owners leaving at once on two nodes cannot each leave the
/// blob to the other and orphan it, and an upload cannot add an owner to a blob whose last owner is leaving.
/// </summary>
public sealed class PostgresBlobIndex(PostgresDatabase database, TimeProvider time) : SqlBlobIndex(database, time)
{
    protected override Task<BlobRecord> InsertBlobAsync(DbConnection connection, DbTransaction transaction, BlobRecord blob, CancellationToken cancellationToken) =>
        // The no-op update of a known blob returns its stored record and locks its row, where an
        // insert that does nothing would leave the row free for a removal on another node.
        connection.QuerySingleAsync<BlobRecord>(new CommandDefinition(
            "INSERT INTO blobs AS b (sha256, size, type, uploaded, width, height, blurhash, original_sha256, accessed) " +
            "VALUES (@Sha256, @Size, @Type, @Uploaded, @Width, @Height, @Blurhash, @OriginalSha256, @Accessed) " +
            $"ON CONFLICT (sha256) DO UPDATE SET sha256 = b.sha256 RETURNING {Columns}",
            blob, transaction, cancellationToken: cancellationToken));
}
