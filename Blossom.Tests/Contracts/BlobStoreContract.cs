using Blossom.Core.Blobs;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>
/// What every <see cref="IBlobStore"/> promises, written once: each implementation runs it through a
/// small subclass that makes a fresh, empty store and removes it afterwards.
/// </summary>
public abstract class BlobStoreContract : IAsyncLifetime
{
    // Larger than one receive buffer, so writes and reads cross block boundaries.
    private const int BlobBytes = 2 * 1024 * 1024 + 12345;

    private IBlobStore? _store;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("The store is made in InitializeAsync.");

    /// <summary>A new store with nothing in it; the contract initializes it.</summary>
    protected abstract Task<IBlobStore> CreateStoreAsync();

    /// <summary>Removes whatever <see cref="CreateStoreAsync"/> made.</summary>
    protected abstract Task RemoveStoreAsync();

    /// <summary>Whether <see cref="IBlobStore.GetLocalFileAsync"/> hands out the store's own file (which stays) rather than a copy.</summary>
    protected abstract bool HandsOutOwnFiles { get; }

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.InitializeAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => RemoveStoreAsync();

    [Fact]
    public async Task Commit_NewBytes_ReadBackExactly()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);

        var (received, created) = await PutAsync(data);

        received.Should().Be(new ReceivedBlob(BlossomRequests.Sha256(data), data.Length));
        created.Should().BeTrue();
        await using var content = await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        content!.Length.Should().Be(data.Length);
        (await ReadAllAsync(content.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Commit_BlobOfSeveralWritebackSteps_ReadBackExactly()
    {
        // A receive hands a flushed file to the disk every 8 MiB, and waits for the step before:
        // this crosses two steps and ends inside a third.
        var data = BlossomRequests.RandomBlob(19 * 1024 * 1024 + 12345);

        var (received, created) = await PutAsync(data);

        received.Should().Be(new ReceivedBlob(BlossomRequests.Sha256(data), data.Length));
        created.Should().BeTrue();
        await using var content = await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        (await ReadAllAsync(content!.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Commit_EmptyBlob_ReadBackEmpty()
    {
        var (received, _) = await PutAsync([]);

        await using var content = await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        content!.Length.Should().Be(0);
        (await ReadAllAsync(content.Stream)).Should().BeEmpty();
        (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(0);
    }

    [Theory]
    [InlineData(0L, 1L)]
    [InlineData(0L, 1000L)]
    [InlineData(1_048_570L, 20L)]
    [InlineData(1_500_000L, null)]
    [InlineData(BlobBytes - 1L, null)]
    [InlineData(BlobBytes - 10L, 1000L)]
    public Task OpenRead_Range_ThoseBytesAndWholeLength(long offset, long? length) => RangeIsThoseBytesAsync(BlobBytes, offset, length);

    /// <summary>A blob of <paramref name="size"/> bytes, read from <paramref name="offset"/>: those bytes, and the whole length.</summary>
    protected async Task RangeIsThoseBytesAsync(int size, long offset, long? length)
    {
        var data = BlossomRequests.RandomBlob(size);
        var (received, _) = await PutAsync(data);

        await using var content = await Store.OpenReadAsync(received.Sha256, offset, length, CancellationToken.None);

        content!.Length.Should().Be(data.Length);
        var end = (int)Math.Min(data.Length, offset + (length ?? data.Length));
        (await ReadAllAsync(content.Stream)).Should().Equal(data[(int)offset..end]);
    }

    [Fact]
    public async Task Length_StoredAndAbsent_SizeOrNull()
    {
        var data = BlossomRequests.RandomBlob(5000);
        var (received, _) = await PutAsync(data);

        (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(5000);
        (await Store.LengthAsync(AbsentHash(), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task Reads_AbsentBlob_Null()
    {
        var absent = AbsentHash();

        (await Store.OpenReadAsync(absent, 0, null, CancellationToken.None)).Should().BeNull();
        (await Store.OpenReadAsync(absent, 10, 10, CancellationToken.None)).Should().BeNull();
        (await Store.GetLocalFileAsync(absent, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task LocalFile_Stored_SameBytesAndCopyGoneOnDispose()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        var (received, _) = await PutAsync(data);

        var file = (await Store.GetLocalFileAsync(received.Sha256, CancellationToken.None))!;
        string path;
        await using (file)
        {
            path = file.Path;
            (await File.ReadAllBytesAsync(path)).Should().Equal(data);
        }

        File.Exists(path).Should().Be(HandsOutOwnFiles);
        (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(data.Length);
    }

    [Fact]
    public async Task Delete_Stored_GoneEverywhere()
    {
        var (received, _) = await PutAsync(BlossomRequests.RandomBlob(5000));

        (await Store.DeleteAsync(received.Sha256, CancellationToken.None)).Should().BeTrue();

        (await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None)).Should().BeNull();
        (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
        (await Store.GetLocalFileAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
        (await EnumerateAsync()).Should().BeEmpty();
        (await Store.DeleteAsync(received.Sha256, CancellationToken.None)).Should().BeFalse();
    }

    [Fact]
    public async Task OpenRead_DeletedWhileOpen_ReadsToTheEnd()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        var (received, _) = await PutAsync(data);

        await using var content = await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        await Store.DeleteAsync(received.Sha256, CancellationToken.None);

        (await ReadAllAsync(content!.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Commit_AlreadyStored_FalseAndBytesIntact()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        await PutAsync(data);

        var (received, created) = await PutAsync(data);

        created.Should().BeFalse();
        await using var content = await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None);
        (await ReadAllAsync(content!.Stream)).Should().Equal(data);
        (await EnumerateAsync()).Select(b => b.Sha256).Should().Equal(received.Sha256);
    }

    [Fact]
    public async Task Pending_ReceivedNotCommitted_NotVisible()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        var pending = await Store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await using (pending)
        {
            var received = await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);

            (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().BeNull();
            (await Store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None)).Should().BeNull();
            (await EnumerateAsync()).Should().BeEmpty();

            (await pending.CommitAsync(CancellationToken.None)).Should().BeTrue();
            (await Store.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(data.Length);
        }
    }

    [Fact]
    public async Task Pending_DisposedWithoutCommit_LeavesNothing()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        var pending = await Store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await using (pending)
            await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);

        (await Store.LengthAsync(BlossomRequests.Sha256(data), CancellationToken.None)).Should().BeNull();
        (await EnumerateAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Receive_MoreThanMaxLength_TooLargeAndNothingStored()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        var pending = await Store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await using (pending)
        {
            var receive = () => pending.ReceiveAsync(new MemoryStream(data), data.Length - 1, CancellationToken.None);
            (await receive.Should().ThrowAsync<BlobTooLargeException>()).Which.MaxLength.Should().Be(data.Length - 1);
        }

        (await EnumerateAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Commit_ExpectedHashAnnounced_ReadBackExactly()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        var sha256 = BlossomRequests.Sha256(data);
        var pending = await Store.BeginWriteAsync(sha256, CancellationToken.None);
        await using (pending)
        {
            (await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None)).Sha256.Should().Be(sha256);
            (await pending.CommitAsync(CancellationToken.None)).Should().BeTrue();
        }

        await using var content = await Store.OpenReadAsync(sha256, 0, null, CancellationToken.None);
        (await ReadAllAsync(content!.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Commit_BytesOfAnotherHashThanExpected_ThrowsAndStoresNothing()
    {
        var data = BlossomRequests.RandomBlob(BlobBytes);
        var expected = BlossomRequests.Sha256(BlossomRequests.RandomBlob(10));
        var pending = await Store.BeginWriteAsync(expected, CancellationToken.None);
        await using (pending)
        {
            await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);

            var commit = () => pending.CommitAsync(CancellationToken.None);
            await commit.Should().ThrowAsync<InvalidOperationException>();
        }

        (await Store.LengthAsync(expected, CancellationToken.None)).Should().BeNull();
        (await Store.LengthAsync(BlossomRequests.Sha256(data), CancellationToken.None)).Should().BeNull();
        (await EnumerateAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Enumerate_SeveralStored_EachOnceWithRecentTime()
    {
        var before = DateTimeOffset.UtcNow;
        var hashes = new List<string>();
        for (var i = 0; i < 3; i++)
            hashes.Add((await PutAsync(BlossomRequests.RandomBlob(1000 + i))).Received.Sha256);

        var stored = await EnumerateAsync();

        stored.Select(b => b.Sha256).Should().BeEquivalentTo(hashes);
        // Whole seconds are all some stores keep, and their clock may differ a little from ours.
        stored.Should().OnlyContain(b => b.LastModified > before.AddMinutes(-1) && b.LastModified < DateTimeOffset.UtcNow.AddMinutes(1));
    }

    protected async Task<(ReceivedBlob Received, bool Created)> PutAsync(byte[] data)
    {
        var pending = await Store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await using (pending)
        {
            var received = await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);
            return (received, await pending.CommitAsync(CancellationToken.None));
        }
    }

    protected async Task<List<StoredBlob>> EnumerateAsync() => await Store.EnumerateAsync(CancellationToken.None).ToListAsync();

    protected static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected static string AbsentHash() => BlossomRequests.Sha256(BlossomRequests.RandomBlob(16));
}
