using Blossom.Core.Blobs;
using Blossom.Core.Storage;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>
/// The blob store contract on <see cref="SmallBlobStore"/> over another store and a database's table, with a
/// threshold small enough that the contract's larger blobs pass through to the inner store and its smaller ones
/// become rows; and what is particular to it: where each side of the threshold goes, and a body that grows past it.
/// </summary>
public abstract class SmallBlobStoreContract : BlobStoreContract
{
    protected const int Threshold = 4096;

    private IBlobStore? _inner;
    private ISmallBlobTable? _table;

    private IBlobStore Inner => _inner ?? throw new InvalidOperationException("The store is made in InitializeAsync.");

    private ISmallBlobTable Table => _table ?? throw new InvalidOperationException("The store is made in InitializeAsync.");

    /// <summary>The store larger blobs go to, fresh and empty.</summary>
    protected abstract Task<IBlobStore> CreateInnerStoreAsync();

    /// <summary>The table of a fresh, migrated database.</summary>
    protected abstract Task<ISmallBlobTable> CreateTableAsync();

    /// <summary>Where the store's copies for the media tools go.</summary>
    protected abstract string TempFolder { get; }

    protected sealed override async Task<IBlobStore> CreateStoreAsync()
    {
        _inner = await CreateInnerStoreAsync();
        _table = await CreateTableAsync();
        return new SmallBlobStore(_inner, _table, Threshold, TempFolder);
    }

    [Fact]
    public async Task Commit_ExactlyThreshold_RowNotInnerStore()
    {
        var data = BlossomRequests.RandomBlob(Threshold);

        var (received, created) = await PutAsync(data);

        created.Should().BeTrue();
        (await Table.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(Threshold);
        (await Inner.LengthAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
        (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(Threshold);
        await using var content = await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        (await ReadAllAsync(content!.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Commit_OneByteOverThreshold_InnerStoreNotRow()
    {
        var data = BlossomRequests.RandomBlob(Threshold + 1);

        var (received, created) = await PutAsync(data);

        received.Should().Be(new ReceivedBlob(BlossomRequests.Sha256(data), data.Length));
        created.Should().BeTrue();
        (await Table.LengthAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
        (await Inner.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(Threshold + 1);
        await using var content = await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        (await ReadAllAsync(content!.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Receive_BodyGrowsPastThresholdInSmallReads_InnerStoreHasItWhole()
    {
        var data = BlossomRequests.RandomBlob(3 * Threshold + 17);
        var pending = await Store.BeginWriteAsync(null, CancellationToken.None);
        ReceivedBlob received;
        await using (pending)
        {
            received = await pending.ReceiveAsync(new TricklingStream(data, 100), long.MaxValue, CancellationToken.None);
            (await pending.CommitAsync(CancellationToken.None)).Should().BeTrue();
        }

        received.Should().Be(new ReceivedBlob(BlossomRequests.Sha256(data), data.Length));
        (await Table.LengthAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
        await using var content = await Inner.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        (await ReadAllAsync(content!.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Receive_SmallBodyOverMaxLength_TooLargeAndNothingStored()
    {
        var data = BlossomRequests.RandomBlob(1000);
        var pending = await Store.BeginWriteAsync(null, CancellationToken.None);
        await using (pending)
        {
            var receive = () => pending.ReceiveAsync(new MemoryStream(data), 999, CancellationToken.None);
            (await receive.Should().ThrowAsync<BlobTooLargeException>()).Which.MaxLength.Should().Be(999);
        }

        (await EnumerateAsync()).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0L, null)]
    [InlineData(0L, 1L)]
    [InlineData(100L, 1000L)]
    [InlineData(Threshold - 10L, 1000L)]
    [InlineData(Threshold - 1L, null)]
    [InlineData(Threshold, null)]
    public Task OpenRead_RangeOfRow_ThoseBytesAndWholeLength(long offset, long? length) => RangeIsThoseBytesAsync(Threshold, offset, length);

    [Fact]
    public async Task LocalFile_Row_CopyOfTheBytesGoneOnDispose()
    {
        var data = BlossomRequests.RandomBlob(2000);
        var (received, _) = await PutAsync(data);

        var file = (await Store.GetLocalFileAsync(received.Sha256, CancellationToken.None))!;
        string path;
        await using (file)
        {
            path = file.Path;
            (await File.ReadAllBytesAsync(path)).Should().Equal(data);
        }

        File.Exists(path).Should().BeFalse();
        (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(2000);
    }

    [Fact]
    public async Task EnumerateAndDelete_RowsAndInnerBlobs_EachListedThenGone()
    {
        var small = (await PutAsync(BlossomRequests.RandomBlob(10))).Received.Sha256;
        var large = (await PutAsync(BlossomRequests.RandomBlob(Threshold + 10))).Received.Sha256;

        (await EnumerateAsync()).Select(b => b.Sha256).Should().BeEquivalentTo([small, large]);

        (await Store.DeleteAsync(small, CancellationToken.None)).Should().BeTrue();
        (await Store.DeleteAsync(large, CancellationToken.None)).Should().BeTrue();

        (await Store.OpenReadAsync(small, 0, null, CancellationToken.None)).Should().BeNull();
        (await Table.LengthAsync(small, CancellationToken.None)).Should().BeNull();
        (await EnumerateAsync()).Should().BeEmpty();
        (await Store.DeleteAsync(small, CancellationToken.None)).Should().BeFalse();
    }

    [Fact]
    public async Task Delete_HashInBothPlaces_GoneFromBoth()
    {
        // A blob stored as a file (before the threshold was raised, or by a chunked upload) and then again as a row.
        var data = BlossomRequests.RandomBlob(500);
        var inner = await Inner.BeginWriteAsync(null, CancellationToken.None);
        await using (inner)
        {
            await inner.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);
            await inner.CommitAsync(CancellationToken.None);
        }
        var (received, _) = await PutAsync(data);

        (await Store.DeleteAsync(received.Sha256, CancellationToken.None)).Should().BeTrue();

        (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
        (await Inner.LengthAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
    }

    /// <summary>A body that arrives a few bytes per read, as a slow client's would.</summary>
    private sealed class TricklingStream(byte[] data, int step) : ReadOnlyStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = Math.Min(Math.Min(buffer.Length, step), data.Length - _position);
            data.AsSpan(_position, read).CopyTo(buffer);
            _position += read;
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
    }
}
