using Blossom.Core.Blobs;
using Blossom.Core.Storage.S3;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blossom.Tests.Storage;

/// <summary>
/// What only the S3 store has: the bytes as the bucket holds them (one PUT, multipart), keys under
/// the prefix, and a start-up that refuses an unusable bucket.
/// </summary>
[Collection(S3Group.Name)]
public sealed class S3BlobStoreTests(S3Server s3) : IDisposable
{
    private const string Prefix = "blobs/";
    private readonly string _temp = Directory.CreateTempSubdirectory("blossom-s3-temp-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private S3BlobStore Store(string bucket, long partSize = S3StoreSettings.DefaultPartSizeBytes) =>
        new(new S3StoreSettings(s3.Endpoint, bucket, "us-east-1", S3Server.AccessKey, S3Server.SecretKey, ForcePathStyle: true, Prefix, partSize),
            _temp, NullLogger<S3BlobStore>.Instance);

    private static async Task<ReceivedBlob> PutAsync(S3BlobStore store, byte[] data)
    {
        await using var pending = await store.BeginWriteAsync(CancellationToken.None);
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
        var pending = await store.BeginWriteAsync(CancellationToken.None);
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
}
