using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Blossom.Core.Auth;
using Blossom.Core.Media;
using Blossom.Core.Moderation;
using Blossom.Tests.Media;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Policy;

/// <summary>A blob the operator blocks is gone for every owner and refused 403 by every route that could bring it back.</summary>
public sealed class BlobBlockTests : IDisposable
{
    private const string BlockedReason = "This blob is blocked on this server";
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();
    private readonly NostrSigner _operator = new();
    private readonly BlossomApplication _app;
    private readonly HttpClient _client;
    private readonly byte[] _data = BlossomRequests.RandomBlob();

    public BlobBlockTests()
    {
        _app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey,
            ["Blossom:Mirror:AllowPrivateNetworks"] = "true",
        });
        _client = _app.Start();
    }

    private string Hash => BlossomRequests.Sha256(_data);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Block_RemovesTheBlobForEveryOwner_ListedWithItsReason()
    {
        await _client.UploadAsync(_alice, _data);
        await _client.UploadAsync(_bob, _data);

        using var blocked = await BlockAsync("{\"reason\":\"illegal\"}");
        var listed = await (await _client.SendAsync(Admin(HttpMethod.Get, "/admin/blocked-blobs"))).Content.ReadFromJsonAsync<BlockedBlob[]>();

        blocked.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _client.GetAsync($"/{Hash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetFromJsonAsync<object[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
        (await _client.GetFromJsonAsync<object[]>($"/list/{_bob.Pubkey}")).Should().BeEmpty();
        listed.Should().ContainSingle().Which.Should().Match<BlockedBlob>(b => b.Sha256 == Hash && b.Reason == "illegal");
    }

    [Fact]
    public async Task Blocked_PutUpload_403WithReason_UntilUnblocked()
    {
        (await BlockAsync(null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        using var refused = await _client.SendAsync(BlossomRequests.Upload(_data, _alice.Token(AuthorizationVerb.Upload, [Hash])));
        using var withoutHash = await _client.SendAsync(BlossomRequests.Upload(_data, _alice.Token(AuthorizationVerb.Upload, [Hash]), sendHash: false));
        using var lifted = await _client.SendAsync(Admin(HttpMethod.Delete, $"/admin/blocked-blobs/{Hash}"));
        using var liftedAgain = await _client.SendAsync(Admin(HttpMethod.Delete, $"/admin/blocked-blobs/{Hash}"));

        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Reason().Should().Be(BlockedReason);
        withoutHash.StatusCode.Should().Be(HttpStatusCode.Forbidden, "the body's hash is checked once it is known");
        lifted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        liftedAgain.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.UploadAsync(_alice, _data)).Sha256.Should().Be(Hash);
    }

    [Fact]
    public async Task Blocked_PutToItsPath_403()
    {
        (await BlockAsync(null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/{Hash}") { Content = new ByteArrayContent(_data) }
            .WithToken(_alice.Token(AuthorizationVerb.Upload, [Hash]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Be(BlockedReason);
        (await _client.GetAsync($"/{Hash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Blocked_MirrorFromAnotherServer_403()
    {
        using var origin = new BlossomApplication();
        var originClient = origin.Start();
        await originClient.UploadAsync(_bob, _data);
        (await BlockAsync(null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/mirror")
        {
            Content = new StringContent($"{{\"url\":\"{new Uri(origin.BaseAddress, Hash)}\"}}", Encoding.UTF8, "application/json"),
        }.WithToken(_alice.Token(AuthorizationVerb.Upload, [Hash]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().Be(BlockedReason);
        (await _client.GetAsync($"/{Hash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BlockedWhileChunkedUploadUnderWay_CompletingChunk403_NothingStored()
    {
        using var first = await _client.SendAsync(Chunk(0, 512));
        first.StatusCode.Should().BeOneOf(HttpStatusCode.NoContent, HttpStatusCode.Accepted, HttpStatusCode.OK);
        (await BlockAsync(null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        using var last = await _client.SendAsync(Chunk(512, _data.Length - 512));

        last.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        last.Reason().Should().Be(BlockedReason);
        (await _client.GetAsync($"/{Hash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Blocked_AsAMediaResult_TaskEndsCanceledSayingSo_NothingStored()
    {
        var result = MediaSamples.PngWithAlpha(8, 8);
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey })
        {
            ReplaceServices = services => services.AddSingleton<IMediaOptimizer>(new FixedResultOptimizer(result)),
        };
        var client = app.Start();
        var resultHash = BlossomRequests.Sha256(result);
        (await client.SendAsync(Admin(HttpMethod.Put, $"/admin/blocked-blobs/{resultHash}"))).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var task = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(64, 64), "image/png")).Id);

        task.Status.Should().Be("canceled");
        task.Message.Should().Be(BlockedReason);
        (await client.GetAsync($"/{resultHash}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BlockBlob_NotAHash_400_UnblockUnknown_404()
    {
        (await _client.SendAsync(Admin(HttpMethod.Put, "/admin/blocked-blobs/nothex"))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await _client.SendAsync(Admin(HttpMethod.Delete, $"/admin/blocked-blobs/{Hash}"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private async Task<HttpResponseMessage> BlockAsync(string? body)
    {
        var request = Admin(HttpMethod.Put, $"/admin/blocked-blobs/{Hash}");
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return await _client.SendAsync(request);
    }

    private HttpRequestMessage Chunk(int offset, int length)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/{Hash}") { Content = new ByteArrayContent(_data, offset, length) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("Upload-Type", "application/octet-stream");
        request.Headers.Add("Upload-Length", _data.Length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        return request.WithToken(_alice.Token(AuthorizationVerb.Upload, [Hash]));
    }

    private HttpRequestMessage Admin(HttpMethod method, string path) => new HttpRequestMessage(method, path).WithToken(_operator.Token(AuthorizationVerb.Admin));

    /// <summary>Stands in for the optimizer with a result known beforehand, so the test can block it before it is made.</summary>
    private sealed class FixedResultOptimizer(byte[] result) : IMediaOptimizer
    {
        public async Task<OptimizedMedia> OptimizeAsync(string inputPath, MediaKind kind, string outputFolder, IProgress<int> progress, CancellationToken cancellationToken)
        {
            var path = Path.Combine(outputFolder, $"{Guid.NewGuid():N}.png");
            await File.WriteAllBytesAsync(path, result, cancellationToken);
            return new OptimizedMedia(path, "image/png");
        }
    }
}
