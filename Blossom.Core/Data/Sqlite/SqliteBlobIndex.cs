using System.Data.Common;
using Blossom.Core.Blobs;
using Dapper;

namespace Blossom.Core.Data.Sqlite;

/// <summary>Blobs and owners in the SQLite file.</summary>
public sealed class SqliteBlobIndex(SqliteDatabase database, TimeProvider time) : SqlBlobIndex(database, time)
{
    protected override async Task<IReadOnlyList<BlobRecord>> InsertBlobsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<BlobRecord> blobs, CancellationToken cancellationToken)
    {
        // In-process statements cost little one by one. The transaction is BEGIN IMMEDIATE: nothing
        // changes a blob between its insert and its read.
        var stored = new List<BlobRecord>(blobs.Count);
        foreach (var blob in blobs)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO blobs (sha256, size, type, uploaded, width, height, blurhash, original_sha256, accessed) VALUES (@Sha256, @Size, @Type, @Uploaded, @Width, @Height, @Blurhash, @OriginalSha256, @Accessed) ON CONFLICT (sha256) DO NOTHING",
                blob, transaction, cancellationToken: cancellationToken));
            stored.Add(await connection.QuerySingleAsync<BlobRecord>(new CommandDefinition(
                $"SELECT {Columns} FROM blobs b WHERE b.sha256 = @Sha256", blob, transaction, cancellationToken: cancellationToken)));
        }
        return stored;
    }
}
