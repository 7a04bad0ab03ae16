using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Media;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;

namespace Blossom.Tests.Blobs;

/// <summary>BUD-08: descriptors carry NIP-94 tags, with dim and blurhash where the content has them.</summary>
public sealed class Nip94Tests : IDisposable
{
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();

    public Nip94Tests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public void Blurhash_MatchesTheReferenceEncoder()
    {
        // The same 7x5 picture through the npm package `blurhash` gives this hash. (That encoder takes
        // the largest signed AC component where the C reference takes the largest magnitude; in
        // this picture, brighter on the left, the two agree.)
        const int width = 7, height = 5;
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = (y * width + x) * 3;
                var v = 255 - x * 36;
                (rgb[at], rgb[at + 1], rgb[at + 2]) = ((byte)v, (byte)Math.Max(0, v - y * 20), (byte)v);
            }
        }

        Blurhash.Encode(rgb, width, height, 4, 3).Should().Be("L~JQNu~X?I-q%fx[t7t7gJg0f%f%");
    }

    [Fact]
    public async Task Upload_Png_TagsWithDimAndBlurhash_SameInTheList()
    {
        var blob = await _client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");

        blob.Nip94.Should().BeEquivalentTo(new[]
        {
            ["url", blob.Url], ["m", "image/png"], ["x", blob.Sha256], ["ox", blob.Sha256], ["size", $"{blob.Size}"], ["dim", "800x600"],
            new[] { "blurhash", blob.Nip94!.Single(t => t[0] == "blurhash")[1] },
        }, o => o.WithStrictOrdering());
        blob.Nip94!.Single(t => t[0] == "blurhash")[1].Should().HaveLength(28, "4x3 components");
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle().Which.Should().BeEquivalentTo(blob);
    }

    [Fact]
    public async Task Upload_RotatedPhoneJpeg_DimAsShown()
    {
        var blob = await _client.UploadAsync(_alice, MediaSamples.PhoneJpeg(), "image/jpeg");

        blob.Nip94.Should().ContainEquivalentOf(new[] { "dim", "3000x4000" });
        blob.Nip94.Should().Contain(t => t[0] == "blurhash");
    }

    [Fact]
    public async Task Upload_HugeProgressiveJpeg_DimWithoutBlurhash()
    {
        var blob = await _client.UploadAsync(_alice, MediaSamples.HugeProgressiveJpeg(), "image/jpeg");

        blob.Nip94.Should().ContainEquivalentOf(new[] { "dim", "10000x10000" });
        blob.Nip94.Should().NotContain(t => t[0] == "blurhash", "drawing it would hold all 600 MB of its coefficients");
    }

    [Fact]
    public async Task Upload_SmallProgressiveJpeg_TagsWithBlurhash()
    {
        using var image = NetVips.Image.NewFromBuffer(MediaSamples.PngWithAlpha(1200, 900));
        using var flat = image.Flatten();
        var blob = await _client.UploadAsync(_alice, flat.JpegsaveBuffer(interlace: true), "image/jpeg");

        blob.Nip94.Should().ContainEquivalentOf(new[] { "dim", "1200x900" });
        blob.Nip94.Should().Contain(t => t[0] == "blurhash", "6 MB of coefficients are within the budget");
    }

    [Fact]
    public async Task Upload_Video_DimFromFfprobe()
    {
        var blob = await _client.UploadAsync(_alice, await MediaSamples.VideoAsync(640, 360, fps: 25, seconds: 1), "video/mp4");

        blob.Nip94.Should().ContainEquivalentOf(new[] { "dim", "640x360" });
        blob.Nip94.Should().NotContain(t => t[0] == "blurhash");
    }

    [Fact]
    public async Task Upload_Text_NoDimNoBlurhash()
    {
        var blob = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(), "text/plain");

        blob.Nip94!.Select(t => t[0]).Should().Equal("url", "m", "x", "ox", "size");
    }

    [Fact]
    public async Task MediaResult_OxIsTheOriginal()
    {
        var original = MediaSamples.PhoneJpeg();
        var done = await _client.WaitForEndAsync((await _client.SubmitAsync(_alice, original, "image/jpeg")).Id);

        done.Blob!.Nip94.Should().ContainEquivalentOf(new[] { "ox", BlossomRequests.Sha256(original) });
        done.Blob.Nip94.Should().ContainEquivalentOf(new[] { "x", done.Blob.Sha256 });
        done.Blob.Nip94.Should().ContainEquivalentOf(new[] { "dim", "810x1080" });
        (await _client.GetAsync(new Uri(done.Blob.Url).PathAndQuery)).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
