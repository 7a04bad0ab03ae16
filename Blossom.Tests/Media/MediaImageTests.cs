using System.Net.Http.Json;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Media;

/// <summary>PUT /media with images, through libvips, checked by opening the result as a user would.</summary>
public sealed class MediaImageTests : IDisposable
{
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();

    public MediaImageTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task PhoneJpeg_BecomesUprightWebpWithinLimitsWithoutMetadata()
    {
        var original = MediaSamples.PhoneJpeg();
        using (var source = NetVips.Image.NewFromBuffer(original))
            source.Get("exif-ifd3-GPSLatitude").Should().NotBeNull("the sample carries a GPS position");

        var task = await _client.SubmitAsync(_alice, original, "image/jpeg");
        task.Status.Should().Be("running");
        var done = await _client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("complete", done.Message);
        done.Progress.Should().Be(100);
        var blob = done.Blob!;
        blob.Type.Should().Be("image/webp");
        blob.Url.Should().EndWith($"/{blob.Sha256}.webp");
        using var image = await _client.DownloadImageAsync(blob);
        // 4000x3000 shown rotated is 3000x4000; fitting 1920x1080 makes it 810x1080.
        (image.Width, image.Height).Should().Be((810, 1080));
        MediaRequests.HasExif(image).Should().BeFalse("EXIF, GPS and XMP are stripped");
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle().Which.Sha256.Should().Be(blob.Sha256);
        (await _client.GetAsync($"/{BlossomRequests.Sha256(original)}")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound, "the original is never served");
    }

    [Fact]
    public async Task PngWithAlpha_KeepsAlphaAndIsNotUpscaled()
    {
        var task = await _client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");
        var done = await _client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("complete", done.Message);
        using var image = await _client.DownloadImageAsync(done.Blob!);
        (image.Width, image.Height).Should().Be((800, 600));
        image.HasAlpha().Should().BeTrue();
    }

    [Theory]
    [InlineData("p3")]
    [InlineData(null)]
    public async Task Colours_ShowAsMeantWithoutAProfile_AWideGamutImageIsConvertedToSrgb(string? profile)
    {
        byte[] srgb = [40, 200, 60];
        var original = MediaSamples.FlatJpeg(srgb, profile);
        using (var source = NetVips.Image.NewFromBuffer(original))
        {
            source.Contains("icc-profile-data").Should().Be(profile is not null);
            if (profile is not null)
                MediaSamples.ColourDistance(source.Getpoint(10, 10), srgb).Should().BeGreaterThan(20, "the sample stores the colour in another colour space");
        }

        var task = await _client.SubmitAsync(_alice, original, "image/jpeg");
        var done = await _client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("complete", done.Message);
        using var image = await _client.DownloadImageAsync(done.Blob!);
        image.Contains("icc-profile-data").Should().BeFalse("the result carries no metadata, so it must be sRGB already");
        MediaSamples.ColourDistance(image.Getpoint(image.Width / 2, image.Height / 2), srgb).Should().BeLessThanOrEqualTo(4, "the colour is the one the original showed");
    }

    [Theory]
    [InlineData("image/gif")]
    [InlineData("image/webp")]
    public async Task Animation_StaysAnimated(string type)
    {
        var original = type == "image/gif" ? MediaSamples.AnimatedGif(frames: 3) : MediaSamples.AnimatedWebp(frames: 3);
        var task = await _client.SubmitAsync(_alice, original, type);
        var done = await _client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("complete", done.Message);
        done.Blob!.Type.Should().Be("image/webp");
        using var image = await _client.DownloadImageAsync(done.Blob, allFrames: true);
        ((int)image.Get("n-pages")).Should().Be(3);
        image.PageHeight.Should().Be(200);
    }

    [Fact]
    public async Task JunkClaimingJpeg_EndsCanceledSayingWhy()
    {
        var task = await _client.SubmitAsync(_alice, MediaSamples.Junk(), "image/jpeg");
        var done = await _client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().Be("Not a decodable image");
        done.Blob.Should().BeNull();
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
    }

    [Fact]
    public async Task SvgClaimingPng_IsNotRasterized()
    {
        var svg = System.Text.Encoding.UTF8.GetBytes($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><!-- {Guid.NewGuid()} --><rect width=\"10\" height=\"10\"/></svg>");

        var done = await _client.WaitForEndAsync((await _client.SubmitAsync(_alice, svg, "image/png")).Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().StartWith("Not an image format this server optimizes");
    }

    [Fact]
    public async Task ImageAbovePixelLimit_RefusedBeforeDecoding()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Image:MaxPixels"] = "1000000" });
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(2000, 1000), "image/png");
        var done = await client.WaitForEndAsync(task.Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().Be("Image of 2000x1000 is larger than this server's limit of 1 megapixels");
    }

    [Fact]
    public async Task InterlacedSixteenBitPngOverDecodeBudget_RefusedBeforeDecoding()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Image:MaxDecodeBytes"] = "4000000" });
        var client = app.Start();

        // 1000x1000 is far below the pixel limit, but decoded it is 6 MB: 3 bands of 16 bits, held whole.
        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.InterlacedPng16(1000, 1000), "image/png")).Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().Be("Image of 1000x1000 (16-bit, interlaced) needs 6 MB to decode, more than this server's limit of 4 MB");
    }

    [Fact]
    public async Task AnimationOverFrameLimit_Refused()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Image:MaxFrames"] = "5" });
        var client = app.Start();

        var done = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.AnimatedGif(frames: 6), "image/gif")).Id);

        done.Status.Should().Be("canceled");
        done.Message.Should().Be("Animation of 6 frames is longer than this server's limit of 5 frames");
    }

    [Theory]
    [InlineData("image/png")]
    [InlineData("image/gif")]
    [InlineData("image/jpeg")]
    [InlineData("image/webp")]
    public async Task OptimizingWouldEnlarge_KeepsTheOriginalWithoutItsMetadata(string type)
    {
        var original = MediaSamples.Checkerboard(type);
        Reveals(original).Should().BeTrue("the sample carries the secret");

        var done = await _client.WaitForEndAsync((await _client.SubmitAsync(_alice, original, type)).Id);

        done.Status.Should().Be("complete", done.Message);
        done.Message.Should().Be("Kept the original image without its metadata: optimizing would have made it larger");
        var blob = done.Blob!;
        blob.Type.Should().Be(type);
        blob.Size.Should().BeLessThan(original.Length, "the metadata is gone and nothing was added");
        var served = await _client.GetByteArrayAsync(new Uri(blob.Url).PathAndQuery);
        Reveals(served).Should().BeFalse();
        using var image = NetVips.Image.NewFromBuffer(served);
        using var source = NetVips.Image.NewFromBuffer(original);
        using var difference = (image - source).Abs();
        difference.Max().Should().Be(0, "the pixels are the original's, not decoded and encoded again");
        MediaRequests.HasExif(image).Should().BeFalse();
    }

    /// <summary>Whether the secret shows in the file's bytes or in any metadata libvips reads from it (PNG text may be compressed).</summary>
    private static bool Reveals(byte[] file)
    {
        using var image = NetVips.Image.NewFromBuffer(file);
        return System.Text.Encoding.ASCII.GetString(file).Contains(MediaSamples.Secret, StringComparison.Ordinal)
            || image.GetFields().Any(f => (image.Get(f) switch { string text => text, byte[] bytes => System.Text.Encoding.ASCII.GetString(bytes), _ => "" })
                .Contains(MediaSamples.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OptimizingWouldEnlargeAnOriginalWithoutMetadata_TheOriginalIsTheResult()
    {
        var original = MediaSamples.Checkerboard("image/png", metadata: false);

        var done = await _client.WaitForEndAsync((await _client.SubmitAsync(_alice, original, "image/png")).Id);

        done.Status.Should().Be("complete", done.Message);
        done.Message.Should().Be("Kept the original image without its metadata: optimizing would have made it larger");
        done.Blob!.Sha256.Should().Be(BlossomRequests.Sha256(original));
        done.Blob.Nip94.Should().ContainEquivalentOf(new[] { "ox", done.Blob.Sha256 });
        (await _client.GetByteArrayAsync(new Uri(done.Blob.Url).PathAndQuery)).Should().Equal(original);
        var again = await _client.WaitForEndAsync((await _client.SubmitAsync(_alice, original, "image/png")).Id);
        again.Blob!.Sha256.Should().Be(done.Blob.Sha256, "the same original reuses its result");
    }

    [Fact]
    public async Task OptimizingWouldEnlargeAnOriginalThatMustBeTurned_KeepsTheResultSayingSo()
    {
        var original = MediaSamples.Checkerboard("image/png", orientation: 6);

        var done = await _client.WaitForEndAsync((await _client.SubmitAsync(_alice, original, "image/png")).Id);

        done.Status.Should().Be("complete", done.Message);
        done.Message.Should().Be("Finished optimizing image, though the result is larger than the original: the original needs resizing or turning upright, or its format's metadata cannot be removed here");
        done.Blob!.Type.Should().Be("image/webp");
        done.Blob.Size.Should().BeGreaterThan(original.Length);
        using var image = await _client.DownloadImageAsync(done.Blob);
        using var source = NetVips.Image.NewFromBuffer(original);
        (image.Width, image.Height).Should().Be((source.Height, source.Width), "EXIF orientation 6 turns it upright");
        Reveals(await _client.GetByteArrayAsync(new Uri(done.Blob.Url).PathAndQuery)).Should().BeFalse();
    }

    [Fact]
    public async Task JpegFormatSetting_FlattensAlphaIntoJpeg()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Image:Format"] = "jpeg" });
        var client = app.Start();

        var task = await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");
        var done = await client.WaitForEndAsync(task.Id);

        done.Blob!.Type.Should().Be("image/jpeg");
        done.Blob.Url.Should().EndWith(".jpg");
        using var image = await client.DownloadImageAsync(done.Blob);
        image.HasAlpha().Should().BeFalse();
    }
}
