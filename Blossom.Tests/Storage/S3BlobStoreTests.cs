using Blossom.Core.Blobs;
using Blossom.Core.Storage.S3;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Storage;

/// <summary>
/// What only the S3 store has: the bytes as the bucket holds them (one PUT, multipart, streamed
/// while the body arrives), no object nor multipart upload left by a write that did not commit,
/// reads ahead in ranges, keys under the prefix, and a start-up that refuses an unusable bucket.
/// </summary>
[Collection(S3Group.Name)]
public sealed class S3BlobStoreTests(S3Server s3) : IDisposable
{
    private const string Prefix = "blobs/";
    private const int Part = (int)S3StoreSettings.MinPartSizeBytes;
    private readonly string _temp = Directory.CreateTempSubdirectory("blossom-s3-temp-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private S3BlobStore Store(string bucket, long partSize = S3StoreSettings.DefaultPartSizeBytes) =>
        new(new S3StoreSettings(s3.Endpoint, bucket, "us-east-1", S3Server.AccessKey, S3Server.SecretKey, ForcePathStyle: true, Prefix, partSize),
            _temp, NullLogger<S3BlobStore>.Instance);

    private static async Task<ReceivedBlob> PutAsync(S3BlobStore store, byte[] data)
    {
        await using var pending = await store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        var received = await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);
        (await pending.CommitAsync(CancellationToken.None)).Should().BeTrue();
        return received;
    }

    [Fact]
    public async Task Commit_SmallBlob_OneObjectUnderThePrefixHoldingExactlyTheBytes()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket);
        await store.InitializeAsync(CancellationToken.None);
        var data = BlossomRequests.RandomBlob(100_000);

        var received = await PutAsync(store, data);

        // No aws-chunked framing, no probe left behind, nothing else.
        (await s3.KeysAsync(bucket)).Should().Equal(Prefix + received.Sha256);
        (await s3.ReadAsync(bucket, Prefix + received.Sha256)).Should().Equal(data);
        Directory.EnumerateFiles(_temp).Should().BeEmpty();
    }

    [Fact]
    public async Task Commit_LargerThanTwoParts_MultipartObjectHoldsExactlyTheBytes()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket, partSize: S3StoreSettings.MinPartSizeBytes);
        await store.InitializeAsync(CancellationToken.None);
        // Two whole parts and a short third, so part order and the last part's length both matter.
        var data = BlossomRequests.RandomBlob((int)(2 * S3StoreSettings.MinPartSizeBytes) + 12_345);

        var received = await PutAsync(store, data);

        (await s3.ReadAsync(bucket, Prefix + received.Sha256)).Should().Equal(data);
        (await store.LengthAsync(received.Sha256, CancellationToken.None)).Should().Be(data.Length);
    }

    [Fact]
    public async Task OpenRead_Range_OnlyThoseBytesAndTheWholeLength()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket);
        var data = BlossomRequests.RandomBlob(50_000);
        var received = await PutAsync(store, data);

        await using var content = await store.OpenReadAsync(received.Sha256, 1_000, 500, CancellationToken.None);

        content!.Length.Should().Be(data.Length);
        using var bytes = new MemoryStream();
        await content.Stream.CopyToAsync(bytes);
        bytes.ToArray().Should().Equal(data[1_000..1_500]);
    }

    [Fact]
    public async Task LocalFile_RightAfterCommit_TheUploadsTempFileUntilTheLastUserIsDone()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket);
        var data = BlossomRequests.RandomBlob(100_000);
        var pending = await store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        var received = await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);
        await pending.CommitAsync(CancellationToken.None);

        // What the inspection after a commit gets: the bytes just sent, not a second download of them.
        var local = (await store.GetLocalFileAsync(received.Sha256, CancellationToken.None))!;
        Directory.EnumerateFiles(_temp).Should().ContainSingle().Which.Should().Be(local.Path);
        await pending.DisposeAsync();
        (await File.ReadAllBytesAsync(local.Path)).Should().Equal(data);
        await local.DisposeAsync();

        Directory.EnumerateFiles(_temp).Should().BeEmpty();
        await using var downloaded = (await store.GetLocalFileAsync(received.Sha256, CancellationToken.None))!;
        (await File.ReadAllBytesAsync(downloaded.Path)).Should().Equal(data);
    }

    [Fact]
    public async Task Receive_AnnouncedHash_PartsGoUpWhileTheBodyArrivesAndTheObjectOnlyOnCommit()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket, partSize: Part);
        var data = BlossomRequests.RandomBlob((4 * Part) + 12_345);
        var sha256 = BlossomRequests.Sha256(data);
        var body = new HeldBody(data, holdAt: (3 * Part) + (Part / 2));
        await using var pending = await store.BeginWriteAsync(sha256, CancellationToken.None);

        var receive = pending.ReceiveAsync(body, long.MaxValue, CancellationToken.None);
        // Three whole parts in the bucket while the body is still held back, and no object yet.
        await Poll.UntilAsync(() => s3.MultipartUploads(bucket) is [{ Parts: 3 }], "three parts sent before the body ended");
        (await s3.KeysAsync(bucket)).Should().BeEmpty();
        body.Release();
        var received = await receive;
        (await s3.KeysAsync(bucket)).Should().BeEmpty();
        (await pending.CommitAsync(CancellationToken.None)).Should().BeTrue();

        received.Should().Be(new ReceivedBlob(sha256, data.Length));
        (await s3.KeysAsync(bucket)).Should().Equal(Prefix + sha256);
        (await s3.ReadAsync(bucket, Prefix + sha256)).Should().Equal(data);
        s3.MultipartUploads(bucket).Should().BeEmpty();
    }

    [Fact]
    public async Task Receive_AnnouncedHashOfOneStreamedBlob_LocalFileRightAfterCommitIsTheUploadsOwn()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket, partSize: Part);
        var data = BlossomRequests.RandomBlob((2 * Part) + 1);
        var sha256 = BlossomRequests.Sha256(data);
        var pending = await store.BeginWriteAsync(sha256, CancellationToken.None);
        await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);
        await pending.CommitAsync(CancellationToken.None);

        // The media pipeline and previews read this right after the commit, without a download.
        var local = (await store.GetLocalFileAsync(sha256, CancellationToken.None))!;
        await pending.DisposeAsync();
        (await File.ReadAllBytesAsync(local.Path)).Should().Equal(data);
        await local.DisposeAsync();
        Directory.EnumerateFiles(_temp).Should().BeEmpty();
    }

    [Fact]
    public async Task Commit_AnnouncedHashOtherThanTheBody_ThrowsLeavingNoObjectNorUpload()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket, partSize: Part);
        var data = BlossomRequests.RandomBlob((3 * Part) + 5);
        var announced = BlossomRequests.Sha256(BlossomRequests.RandomBlob(10));
        var pending = await store.BeginWriteAsync(announced, CancellationToken.None);
        await using (pending)
        {
            await pending.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None);
            s3.MultipartUploads(bucket).Should().ContainSingle("its parts went up under the announced hash while the body arrived");

            var commit = () => pending.CommitAsync(CancellationToken.None);
            await commit.Should().ThrowAsync<InvalidOperationException>();
        }

        (await s3.KeysAsync(bucket)).Should().BeEmpty();
        s3.MultipartUploads(bucket).Should().BeEmpty();
        Directory.EnumerateFiles(_temp).Should().BeEmpty();
    }

    [Fact]
    public async Task Receive_AnnouncedHashBodyTooLarge_LeavesNoObjectNorUpload()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket, partSize: Part);
        var data = BlossomRequests.RandomBlob((3 * Part) + 5);
        var pending = await store.BeginWriteAsync(BlossomRequests.Sha256(data), CancellationToken.None);
        await using (pending)
        {
            var receive = () => pending.ReceiveAsync(new MemoryStream(data), (3 * Part) + 4, CancellationToken.None);
            await receive.Should().ThrowAsync<BlobTooLargeException>();
        }

        (await s3.KeysAsync(bucket)).Should().BeEmpty();
        s3.MultipartUploads(bucket).Should().BeEmpty();
    }

    [Fact]
    public async Task Receive_AnnouncedHashClientGoneMidBody_LeavesNoObjectNorUpload()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket, partSize: Part);
        var data = BlossomRequests.RandomBlob(4 * Part);
        var body = new HeldBody(data, holdAt: (2 * Part) + (Part / 2));
        using var gone = new CancellationTokenSource();
        var pending = await store.BeginWriteAsync(BlossomRequests.Sha256(data), CancellationToken.None);
        await using (pending)
        {
            var receive = pending.ReceiveAsync(body, long.MaxValue, gone.Token);
            await Poll.UntilAsync(() => s3.MultipartUploads(bucket) is [{ Parts: 2 }], "two parts sent before the client went");
            await gone.CancelAsync();

            await receive.Awaiting(r => r).Should().ThrowAsync<OperationCanceledException>();
        }

        (await s3.KeysAsync(bucket)).Should().BeEmpty();
        s3.MultipartUploads(bucket).Should().BeEmpty();
        Directory.EnumerateFiles(_temp).Should().BeEmpty();
    }

    [Fact]
    public async Task Commit_SameBlobStreamedTwiceAtOnce_OneObjectAndNoUploadLeft()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket, partSize: Part);
        var data = BlossomRequests.RandomBlob((3 * Part) + 77);
        var sha256 = BlossomRequests.Sha256(data);
        var first = await store.BeginWriteAsync(sha256, CancellationToken.None);
        var second = await store.BeginWriteAsync(sha256, CancellationToken.None);
        await using (first)
        await using (second)
        {
            await Task.WhenAll(
                first.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None),
                second.ReceiveAsync(new MemoryStream(data), long.MaxValue, CancellationToken.None));
            s3.MultipartUploads(bucket).Should().HaveCount(2);

            // The caller commits one hash at a time; the second finds the blob there.
            (await first.CommitAsync(CancellationToken.None)).Should().BeTrue();
            (await second.CommitAsync(CancellationToken.None)).Should().BeFalse();
        }

        (await s3.KeysAsync(bucket)).Should().Equal(Prefix + sha256);
        (await s3.ReadAsync(bucket, Prefix + sha256)).Should().Equal(data);
        s3.MultipartUploads(bucket).Should().BeEmpty();
    }

    [Fact]
    public async Task OpenRead_WholeBlobOfSeveralRanges_ReadAheadGivesTheBytesInOrderAndRangesStayExact()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket);
        // Three ranges read ahead after the first, the last one short.
        var range = ReadAheadObjectStream.RangeBytes;
        var data = BlossomRequests.RandomBlob((3 * range) + 4321);
        var received = await PutAsync(store, data);

        await using (var whole = (await store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None))!)
        {
            whole.Length.Should().Be(data.Length);
            (await ReadAllAsync(whole.Stream)).Should().Equal(data);
        }
        // Across a range border, and from inside the last range to the end.
        await using (var across = (await store.OpenReadAsync(received.Sha256, range - 10, 20, CancellationToken.None))!)
            (await ReadAllAsync(across.Stream)).Should().Equal(data[(range - 10)..(range + 10)]);
        await using (var tail = (await store.OpenReadAsync(received.Sha256, (3 * range) + 1, null, CancellationToken.None))!)
            (await ReadAllAsync(tail.Stream)).Should().Equal(data[((3 * range) + 1)..]);
    }

    [Fact]
    public async Task OpenRead_MoreWholeReadsAtOnceThanTheReadAheadBudget_EachGetsItsBytes()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket);
        var data = BlossomRequests.RandomBlob((3 * ReadAheadObjectStream.RangeBytes) + 1);
        var received = await PutAsync(store, data);

        // Eight readers want 24 ranges ahead, twice what the store holds: the rest stream as they come up.
        var readers = new List<BlobContent>();
        for (var i = 0; i < 8; i++)
            readers.Add((await store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None))!);
        var bytes = await Task.WhenAll(readers.Select(r => ReadAllAsync(r.Stream)));
        foreach (var reader in readers)
            await reader.DisposeAsync();

        bytes.Should().AllSatisfy(b => b.Should().Equal(data));
    }

    [Fact]
    public async Task OpenRead_WholeBlobDisposedHalfRead_LaterReadsStillReadAhead()
    {
        var bucket = await s3.CreateBucketAsync();
        using var store = Store(bucket);
        var data = BlossomRequests.RandomBlob((3 * ReadAheadObjectStream.RangeBytes) + 1);
        var received = await PutAsync(store, data);

        // Readers that stop early give their ranges back: twenty of them would otherwise hold the whole budget.
        for (var i = 0; i < 20; i++)
        {
            await using var content = (await store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None))!;
            await content.Stream.ReadExactlyAsync(new byte[1000]);
        }
        await using var last = (await store.OpenReadAsync(received.Sha256, 0, null, CancellationToken.None))!;

        (await ReadAllAsync(last.Stream)).Should().Equal(data);
    }

    [Fact]
    public async Task Initialize_BucketMissing_FailsNamingTheBucketAndTheSettings()
    {
        using var store = Store("no-such-bucket");

        var initialize = () => store.InitializeAsync(CancellationToken.None);

        (await initialize.Should().ThrowAsync<InvalidOperationException>())
            .Which.Message.Should().Contain("'no-such-bucket'").And.Contain("Storage:S3:Endpoint").And.Contain("404");
    }

    [Fact]
    public async Task Initialize_AfterCrashLeftATempFile_SweptAndBucketUntouched()
    {
        var bucket = await s3.CreateBucketAsync();
        var leftover = Path.Combine(_temp, "0123456789abcdef0123456789abcdef");
        await File.WriteAllBytesAsync(leftover, [1, 2, 3]);
        using var store = Store(bucket);

        await store.InitializeAsync(CancellationToken.None);

        File.Exists(leftover).Should().BeFalse();
        (await s3.KeysAsync(bucket)).Should().BeEmpty();
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>A request body whose client sends the first <paramref name="holdAt"/> bytes, then waits to be released (or gives up).</summary>
    private sealed class HeldBody(byte[] data, int holdAt) : ReadOnlyStream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == holdAt)
                await _released.Task.WaitAsync(cancellationToken);
            var end = _position < holdAt ? holdAt : data.Length;
            var count = Math.Min(buffer.Length, end - _position);
            data.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
