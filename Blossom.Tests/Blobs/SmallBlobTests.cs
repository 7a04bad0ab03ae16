using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;

namespace Blossom.Tests.Blobs;

/// <summary>
/// <c>Storage:SmallBlobMaxBytes</c> on its default: a small blob is a row of the database, no file, and every
/// surface serves it as it would a file.
/// </summary>
public sealed class SmallBlobTests : IDisposable
{
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();

    public SmallBlobTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task UploadGetHeadRangeDelete_SmallBlob_ServedWithoutAFile()
    {
        var data = BlossomRequests.RandomBlob(1024);

        var blob = await _client.UploadAsync(_alice, data, "text/plain");

        BlobFiles().Should().BeEmpty("a small blob is a row of the database");
        (await _client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}.txt"));
        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Content.Headers.ContentLength.Should().Be(1024);
        head.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}") { Headers = { Range = new RangeHeaderValue(1000, null) } };
        using var part = await _client.SendAsync(ranged);
        part.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        part.Content.Headers.ContentRange!.ToString().Should().Be("bytes 1000-1023/1024");
        (await part.Content.ReadAsByteArrayAsync()).Should().Equal(data[1000..]);

        using var deleted = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256])));

        deleted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _client.GetAsync($"/{blob.Sha256}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Upload_OneByteOverTheThreshold_AFile()
    {
        var data = BlossomRequests.RandomBlob(new StorageOptions().SmallBlobMaxBytes + 1);

        var blob = await _client.UploadAsync(_alice, data);

        BlobFiles().Should().ContainSingle().Which.Should().EndWith(blob.Sha256);
        (await _client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);
    }

    [Fact]
    public async Task Upload_SmallPng_DimAndBlurhashReadFromACopyThatGoes()
    {
        var png = MediaSamples.PngWithAlpha(64, 48);
        png.Length.Should().BeLessThanOrEqualTo(new StorageOptions().SmallBlobMaxBytes, "the picture must be a small blob");

        var blob = await _client.UploadAsync(_alice, png, "image/png");

        blob.Nip94.Should().ContainEquivalentOf(new[] { "dim", "64x48" });
        blob.Nip94.Should().Contain(t => t[0] == "blurhash");
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle().Which.Should().BeEquivalentTo(blob);
        Directory.EnumerateFiles(Path.Combine(_app.StoragePath, ".tmp")).Should().BeEmpty("the inspector's copy is removed");
    }

    private List<string> BlobFiles() =>
        [.. Directory.EnumerateFiles(_app.StoragePath, "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}.tmp", StringComparison.Ordinal))];
}
