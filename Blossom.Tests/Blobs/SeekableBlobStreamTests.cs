using Blossom.Core.Blobs;
using Blossom.Core.Storage.FileSystem;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Blossom.Tests.Blobs;

/// <summary>
/// GET's range handling for stores that only read forward, run by the framework's own file result.
/// A bounded read of the file-system store is such a forward-only stream.
/// </summary>
public sealed class SeekableBlobStreamTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-seekable-").FullName;
    private readonly byte[] _data = BlossomRequests.RandomBlob(300_000);
    private FileSystemBlobStore _store = null!;
    private string _sha256 = "";

    public async Task InitializeAsync()
    {
        _store = new FileSystemBlobStore(_root);
        await _store.InitializeAsync(CancellationToken.None);
        var pending = await _store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await using (pending)
        {
            _sha256 = (await pending.ReceiveAsync(new MemoryStream(_data), long.MaxValue, CancellationToken.None)).Sha256;
            await pending.CommitAsync(CancellationToken.None);
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(null, 200, 0, 299_999)]
    [InlineData("bytes=0-99", 206, 0, 99)]
    [InlineData("bytes=150000-150009", 206, 150_000, 150_009)]
    [InlineData("bytes=-500", 206, 299_500, 299_999)]
    [InlineData("bytes=299990-", 206, 299_990, 299_999)]
    public async Task Get_ForwardOnlyStore_RangeAnsweredLikeAFile(string? range, int status, int first, int last)
    {
        var (response, body) = await SendAsync(HttpMethods.Get, range);

        response.StatusCode.Should().Be(status);
        body.Should().Equal(_data[first..(last + 1)]);
        if (range is not null)
            response.Headers.ContentRange.ToString().Should().Be($"bytes {first}-{last}/{_data.Length}");
    }

    [Fact]
    public async Task Get_ForwardOnlyStoreRangePastEnd_416()
    {
        var (response, body) = await SendAsync(HttpMethods.Get, "bytes=400000-");

        response.StatusCode.Should().Be(StatusCodes.Status416RangeNotSatisfiable);
        body.Should().BeEmpty();
    }

    [Fact]
    public async Task Get_ForwardOnlyStoreIfNoneMatch_304()
    {
        var (response, body) = await SendAsync(HttpMethods.Get, null, ifNoneMatch: $"\"{_sha256}\"");

        response.StatusCode.Should().Be(StatusCodes.Status304NotModified);
        body.Should().BeEmpty();
    }

    [Fact]
    public async Task Head_ForwardOnlyStore_LengthWithoutBody()
    {
        var (response, body) = await SendAsync(HttpMethods.Head, null);

        response.StatusCode.Should().Be(StatusCodes.Status200OK);
        response.ContentLength.Should().Be(_data.Length);
        body.Should().BeEmpty();
    }

    [Fact]
    public async Task Read_SeekBackAndForth_BytesOfEachPosition()
    {
        await using var stream = new SeekableBlobStream(_store, _sha256, _data.Length, (await OpenForwardOnlyAsync())!);
        var buffer = new byte[1000];

        stream.Seek(200_000, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(buffer);
        buffer.Should().Equal(_data[200_000..201_000]);
        await stream.ReadExactlyAsync(buffer);
        buffer.Should().Equal(_data[201_000..202_000]);
        stream.Position = 10;
        await stream.ReadExactlyAsync(buffer);
        buffer.Should().Equal(_data[10..1010]);
        stream.Seek(-5, SeekOrigin.End);
        (await stream.ReadAsync(buffer)).Should().Be(5);
        (await stream.ReadAsync(buffer)).Should().Be(0);
    }

    private async Task<BlobContent?> OpenForwardOnlyAsync()
    {
        var content = await _store.OpenReadAsync(_sha256, 0, _data.Length, CancellationToken.None);
        content!.Stream.CanSeek.Should().BeFalse("this stands in for an object store's GET");
        return content;
    }

    private async Task<(HttpResponse Response, byte[] Body)> SendAsync(string method, string? range, string? ifNoneMatch = null)
    {
        using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        if (range is not null)
            context.Request.Headers.Range = range;
        if (ifNoneMatch is not null)
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        using var body = new MemoryStream();
        context.Response.Body = body;
        var content = (await OpenForwardOnlyAsync())!;

        await TypedResults.Stream(new SeekableBlobStream(_store, _sha256, content.Length, content), "application/octet-stream",
            entityTag: new EntityTagHeaderValue($"\"{_sha256}\""), enableRangeProcessing: true).ExecuteAsync(context);

        return (context.Response, body.ToArray());
    }
}
