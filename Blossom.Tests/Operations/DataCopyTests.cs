using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Core.Data.Sqlite;
using Blossom.Core.Matrix;
using Blossom.Core.Migration;
using Blossom.Core.Storage.FileSystem;
using Blossom.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Operations;

/// <summary>The copy behind <c>copy-data</c>, given a source whose bytes and index disagree.</summary>
public sealed class DataCopyTests : IDisposable
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-datacopy-").FullName;

    [Fact]
    public async Task RunAsync_SourceBytesMissingOrAltered_SkipsThoseEntriesAndCopiesTheRest()
    {
        var source = await StoresAsync("old");
        var destination = await StoresAsync("new");
        var good = BlossomRequests.RandomBlob();
        var missing = BlossomRequests.RandomBlob();
        var altered = BlossomRequests.RandomBlob();
        await PutAsync(source.Store, good);
        await PutAsync(source.Store, altered);
        foreach (var data in new[] { good, missing, altered })
            await source.Index.AddAsync(new BlobRecord(BlossomRequests.Sha256(data), data.Length, "application/octet-stream", 100), [Alice], CancellationToken.None);
        // Bit rot: other bytes under the hash.
        var sha256 = BlossomRequests.Sha256(altered);
        await File.WriteAllBytesAsync(Path.Combine(_root, "old", "blobs", sha256[..2], sha256[2..4], sha256), BlossomRequests.RandomBlob());

        var result = await new DataCopy(source, destination, NullLogger<DataCopy>.Instance).RunAsync(CancellationToken.None);

        result.Should().Be(new DataCopyResult(Blobs: 1, CopiedBlobs: 1, CopiedBytes: good.Length, Unreadable: 2, Blocks: 0, Reports: 0));
        result.Complete.Should().BeFalse();
        (await destination.Index.ListAllAsync(null, 10, CancellationToken.None)).Select(b => b.Blob.Sha256).Should().Equal(BlossomRequests.Sha256(good));
        (await destination.Store.LengthAsync(sha256, CancellationToken.None)).Should().BeNull("bytes that do not hash to their name are not stored");
    }

    [Fact]
    public async Task RunAsync_MatrixMediaIds_CopiedOnce_SoMxcUrisKeepWorking()
    {
        var source = await StoresAsync("old");
        var destination = await StoresAsync("new");
        var data = BlossomRequests.RandomBlob();
        await PutAsync(source.Store, data);
        await source.Index.AddAsync(new BlobRecord(BlossomRequests.Sha256(data), data.Length, "image/png", 100), ["@alice:example.org"], CancellationToken.None);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var uploaded = new MatrixMedia("uploaded0000000000000000", "@alice:example.org", BlossomRequests.Sha256(data), "image/png", "cat.png", at, null, at);
        var pending = new MatrixMedia("pending00000000000000000", "@bob:example.org", null, null, null, at, at + TimeSpan.FromDays(1), null);
        await source.MatrixMedia.AddUploadedAsync(uploaded, CancellationToken.None);
        await source.MatrixMedia.CreatePendingAsync(pending, 10, CancellationToken.None);

        var first = await new DataCopy(source, destination, NullLogger<DataCopy>.Instance).RunAsync(CancellationToken.None);
        var second = await new DataCopy(source, destination, NullLogger<DataCopy>.Instance).RunAsync(CancellationToken.None);

        (first.MatrixMedia, second.MatrixMedia).Should().Be((2L, 0L));
        (await destination.MatrixMedia.ListAsync(null, 10, CancellationToken.None)).Should().Equal(pending, uploaded);
        (await destination.Index.OwnersAsync(uploaded.Sha256!, CancellationToken.None)).Should().Equal("@alice:example.org");
    }

    [Fact]
    public async Task RunAsync_RemoteMediaCacheAndQuarantine_Copied_TheCachedBlobStaysNamed()
    {
        var source = await StoresAsync("old");
        var destination = await StoresAsync("new");
        var data = BlossomRequests.RandomBlob();
        await PutAsync(source.Store, data);
        await source.Index.AddAsync(new BlobRecord(BlossomRequests.Sha256(data), data.Length, "image/png", 100), [], CancellationToken.None);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        var cached = new MatrixRemoteMedia("remote.example", "abc", BlossomRequests.Sha256(data), "image/png", "cat.png", data.Length, at, at);
        await source.RemoteMedia.AddAsync(cached, CancellationToken.None);
        await source.Quarantine.AddAsync("spam.example", null, "spam", at, CancellationToken.None);
        await source.Quarantine.AddAsync("remote.example", "bad", null, at, CancellationToken.None);

        var first = await new DataCopy(source, destination, NullLogger<DataCopy>.Instance).RunAsync(CancellationToken.None);
        var second = await new DataCopy(source, destination, NullLogger<DataCopy>.Instance).RunAsync(CancellationToken.None);

        (first.RemoteMedia, first.Quarantined, second.Quarantined).Should().Be((1L, 2, 0));
        (await destination.RemoteMedia.FindAsync("remote.example", "abc", CancellationToken.None)).Should().Be(cached);
        (await destination.Store.LengthAsync(cached.Sha256, CancellationToken.None)).Should().Be(data.Length);
        (await destination.Quarantine.ListAsync(CancellationToken.None)).Should().Equal(await source.Quarantine.ListAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<DataStores> StoresAsync(string name)
    {
        var store = new FileSystemBlobStore(Path.Combine(_root, name, "blobs"));
        await store.InitializeAsync(CancellationToken.None);
        var database = new SqliteDatabase($"Data Source={Path.Combine(_root, name, "blossom.db")}");
        await database.MigrateAsync(CancellationToken.None);
        return new DataStores(store, new SqliteBlobIndex(database, TimeProvider.System), new SqliteModerationStore(database, TimeProvider.System),
            new SqlMatrixMediaIndex(database), new SqlMatrixRemoteMediaIndex(database), new SqlMatrixQuarantine(database));
    }

    private static async Task PutAsync(IBlobStore store, byte[] data)
    {
        await using var pending = await store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);
        await pending.CommitAsync(CancellationToken.None);
    }
}
