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
    protected override async Task<IReadOnlyList<BlobRecord>> InsertBlobsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<BlobRecord> blobs, CancellationToken cancellationToken) =>
        // One statement for the batch (a round trip each would be most of its time). The no-op update of a
        // known blob returns its stored record and locks its row, where an insert that does nothing would
        // leave the row free for a removal on another node.
        (await connection.QueryAsync<BlobRecord>(new CommandDefinition(
            "INSERT INTO blobs AS b (sha256, size, type, uploaded, width, height, blurhash, original_sha256, accessed) " +
            "SELECT * FROM unnest(@Hashes, @Sizes, @Types, @Uploaded, @Widths, @Heights, @Blurhashes, @Originals, @Accessed) " +
            "AS t (sha256, size, type, uploaded, width, height, blurhash, original_sha256, accessed) ORDER BY t.sha256 COLLATE \"C\" " +
            $"ON CONFLICT (sha256) DO UPDATE SET sha256 = b.sha256 RETURNING {Columns}",
            new
            {
                Hashes = blobs.Select(b => b.Sha256).ToArray(), Sizes = blobs.Select(b => b.Size).ToArray(), Types = blobs.Select(b => b.Type).ToArray(),
                Uploaded = blobs.Select(b => b.Uploaded).ToArray(), Widths = blobs.Select(b => b.Width).ToArray(), Heights = blobs.Select(b => b.Height).ToArray(),
                Blurhashes = blobs.Select(b => b.Blurhash).ToArray(), Originals = blobs.Select(b => b.OriginalSha256).ToArray(), Accessed = blobs.Select(b => b.Accessed).ToArray(),
            },
            transaction, cancellationToken: cancellationToken))).AsList();
}
