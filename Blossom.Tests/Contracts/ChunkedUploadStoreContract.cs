using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>
/// What every <see cref="IChunkedUploadStore"/> promises, written once: each implementation runs it
/// through a small subclass that opens the store beside its blob store, in a place of its own.
/// </summary>
public abstract class ChunkedUploadStoreContract : IAsyncLifetime
{
    // Chunks larger than one copy buffer (and, on S3, than a part), so writes and reads cross their boundaries.
    private const int BlobBytes = 3 * 1024 * 1024 + 4321;
    private const int ChunkBytes = 1024 * 1024 + 77;

    private readonly byte[] _data = BlossomRequests.RandomBlob(BlobBytes);
    private IBlobStore _blobs = null!;
    private IChunkedUploadStore _chunkStore = null!;

    private string Hash => BlossomRequests.Sha256(_data);

    /// <summary>
    /// The blob store and the chunked-upload store beside it, new instances over the same place at each
    /// call, as a restart makes them; the contract initializes them.
    /// </summary>
    protected abstract Task<(IBlobStore Blobs, IChunkedUploadStore ChunkStore)> OpenAsync();

    /// <summary>Removes whatever <see cref="OpenAsync"/> made.</summary>
    protected abstract Task RemoveAsync();

    public async Task InitializeAsync() => (_blobs, _chunkStore) = await OpenInitializedAsync();

    public Task DisposeAsync() => RemoveAsync();

    [Fact]
    public async Task Assemble_ChunksInOrder_TheBlobsBytesAndHash()
    {
        var chunks = new List<StoredChunk>();
        for (var offset = 0; offset < BlobBytes; offset += ChunkBytes)
            chunks.Add(await WriteAsync(offset, Math.Min(ChunkBytes, BlobBytes - offset)));

        await AssembleAndCommitAsync(chunks);
    }

    [Fact]
    public async Task Assemble_ChunksOutOfOrder_TheBlobsBytesAndHash()
    {
        var chunks = new List<StoredChunk>();
        foreach (var offset in (int[])[ChunkBytes * 2, 0, ChunkBytes * 3, ChunkBytes])
            chunks.Add(await WriteAsync(offset, Math.Min(ChunkBytes, BlobBytes - offset)));

        await AssembleAndCommitAsync(chunks);
    }

    [Fact]
    public async Task Assemble_OverlappingAndRepeatedChunks_TheBlobsBytesAndHash()
    {
        List<StoredChunk> chunks =
        [
            await WriteAsync(0, ChunkBytes),
            await WriteAsync(ChunkBytes * 2, BlobBytes - ChunkBytes * 2),
            // Overlaps both neighbours, then one that lies inside others, then a repeat.
            await WriteAsync(ChunkBytes - 1000, ChunkBytes + 2000),
            await WriteAsync(500, 100),
            await WriteAsync(0, ChunkBytes),
        ];

        await AssembleAndCommitAsync(chunks);
    }

    [Fact]
    public async Task WriteChunk_BodyEndsEarly_ThrowsAndNothingOfItCounts()
    {
        var chunks = new List<StoredChunk>();

        // A first chunk that dies halfway, then one in the middle; the retries carry other bytes at the
        // same places, so anything the broken ones left would show in the blob.
        await FailingWriteAsync(0, ChunkBytes);
        await FailingWriteAsync(ChunkBytes * 2, ChunkBytes);
        chunks.Add(await WriteAsync(0, ChunkBytes));
        chunks.Add(await WriteAsync(ChunkBytes, BlobBytes - ChunkBytes));

        await AssembleAndCommitAsync(chunks);
    }

    [Fact]
    public async Task Delete_RemovesEveryChunkOfTheUploadOnly()
    {
        var other = BlossomRequests.Sha256([1, 2, 3]);
        await _chunkStore.WriteChunkAsync(other, 0, 3, new MemoryStream([1, 2, 3]), CancellationToken.None);
        await WriteAsync(0, ChunkBytes);
        await WriteAsync(ChunkBytes * 2, ChunkBytes);

        await _chunkStore.DeleteAsync(Hash, CancellationToken.None);
        await _chunkStore.DeleteAsync(BlossomRequests.Sha256([9]), CancellationToken.None);

        (await ListAsync()).Select(u => u.Id).Should().Equal(other);
    }

    [Fact]
    public async Task Enumerate_EachUploadWithBytesOnceWithWhenItWasWritten()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        // An id as the rules make them now, beside one named by its hash as before.
        var other = ChunkedUpload.NewId();
        (await ListAsync()).Should().BeEmpty();
        await WriteAsync(ChunkBytes, ChunkBytes);
        await WriteAsync(0, ChunkBytes);
        await _chunkStore.WriteChunkAsync(other, 1, 2, new MemoryStream([2, 3]), CancellationToken.None);

        var listed = await ListAsync();

        listed.Select(u => u.Id).Should().BeEquivalentTo([Hash, other]);
        listed.Should().OnlyContain(u => u.LastModified > before && u.LastModified < DateTimeOffset.UtcNow.AddMinutes(1));
        // Chunks are no blobs: a sweep of the blob store neither lists nor removes them.
        (await _blobs.EnumerateAsync(CancellationToken.None).ToListAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Assemble_AfterARestart_UsesTheChunksWrittenBefore()
    {
        var chunks = new List<StoredChunk> { await WriteAsync(0, ChunkBytes), await WriteAsync(ChunkBytes * 2, BlobBytes - ChunkBytes * 2) };

        (_blobs, _chunkStore) = await OpenInitializedAsync();
        chunks.Add(await WriteAsync(ChunkBytes, ChunkBytes));

        (await ListAsync()).Select(u => u.Id).Should().Equal(Hash);
        await AssembleAndCommitAsync(chunks);
    }

    [Fact]
    public async Task Assemble_EmptyBlob_CommitsIt()
    {
        var empty = BlossomRequests.Sha256([]);
        var chunk = await _chunkStore.WriteChunkAsync(empty, 0, 0, Stream.Null, CancellationToken.None);

        var (pending, received) = await _chunkStore.AssembleAsync(empty, 0, [chunk], CancellationToken.None);
        await using (pending)
        {
            received.Should().Be(new ReceivedBlob(empty, 0));
            (await pending.CommitAsync(CancellationToken.None)).Should().BeTrue();
        }

        (await _blobs.LengthAsync(empty, CancellationToken.None)).Should().Be(0);
    }

    private async Task<(IBlobStore, IChunkedUploadStore)> OpenInitializedAsync()
    {
        var (blobs, partial) = await OpenAsync();
        await blobs.InitializeAsync(CancellationToken.None);
        await partial.InitializeAsync(CancellationToken.None);
        return (blobs, partial);
    }

    private Task<StoredChunk> WriteAsync(int offset, int length) =>
        _chunkStore.WriteChunkAsync(Hash, offset, length, new MemoryStream(_data, offset, length, writable: false), CancellationToken.None);

    /// <summary>A chunk whose body ends halfway, and whose bytes are not the blob's.</summary>
    private async Task FailingWriteAsync(int offset, int length)
    {
        var write = () => _chunkStore.WriteChunkAsync(Hash, offset, length, new MemoryStream(BlossomRequests.RandomBlob(length / 2)), CancellationToken.None);

        await write.Should().ThrowAsync<EndOfStreamException>();
    }

    /// <summary>Builds the blob from <paramref name="chunks"/>, checks its hash and size, commits it, and reads it back from the blob store.</summary>
    private async Task AssembleAndCommitAsync(IReadOnlyList<StoredChunk> chunks)
    {
        var (pending, received) = await _chunkStore.AssembleAsync(Hash, BlobBytes, chunks, CancellationToken.None);
        await using (pending)
        {
            received.Should().Be(new ReceivedBlob(Hash, BlobBytes));
            (await pending.CommitAsync(CancellationToken.None)).Should().BeTrue();
        }

        await using var content = await _blobs.OpenReadAsync(Hash, 0, null, CancellationToken.None);
        using var copy = new MemoryStream();
        await content!.Stream.CopyToAsync(copy);
        copy.ToArray().SequenceEqual(_data).Should().BeTrue("the blob holds exactly the uploaded bytes");
    }

    private async Task<List<StoredChunkedUpload>> ListAsync() => await _chunkStore.EnumerateAsync(CancellationToken.None).ToListAsync();
}
