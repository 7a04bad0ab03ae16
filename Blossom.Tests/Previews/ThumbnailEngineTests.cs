using Blossom.Core.Previews;
using Blossom.Tests.Media;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Tests.Previews;

/// <summary>The thumbnail engine on real media made by the test, each preview read back with libvips.</summary>
public sealed class ThumbnailEngineTests : IDisposable
{
    private static readonly PreviewLimits Limits = new(MaxSourceBytes: 512L * 1024 * 1024, MaxSourcePixels: 100_000_000, MaxVideoSeconds: 3600, Timeout: TimeSpan.FromSeconds(60));
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-previews-").FullName;
    private readonly ThumbnailEngine _engine = new(Limits, quality: 80);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task RenderAsync_JpegWithExifOrientation_IsUprightInTheBoxWithoutMetadata()
    {
        // 4000x3000 stored, "rotate 90°" in EXIF, with a GPS position: upright it is 3000x4000.
        var preview = await RenderAsync(MediaSamples.PhoneJpeg(), "image/jpeg", Spec(320, 240));

        preview.MediaType.Should().Be("image/webp");
        (preview.Width, preview.Height).Should().Be((180, 240));
        using var image = VipsImage.NewFromFile(preview.Path);
        (image.Width, image.Height).Should().Be((180, 240));
        image.GetFields().Should().NotContain(["exif-data", "orientation", "xmp-data"]);
    }

    [Theory]
    [InlineData(PreviewFormat.Png, "image/png", 4)]
    [InlineData(PreviewFormat.Webp, "image/webp", 4)]
    [InlineData(PreviewFormat.Jpeg, "image/jpeg", 3)]
    public async Task RenderAsync_PngWithAlpha_KeepsTransparencyWhereTheFormatHasIt(PreviewFormat format, string type, int bands)
    {
        var preview = await RenderAsync(MediaSamples.PngWithAlpha(800, 600), "image/png", Spec(320, 240, format: format));

        preview.MediaType.Should().Be(type);
        using var image = VipsImage.NewFromFile(preview.Path);
        (image.Width, image.Height, image.Bands).Should().Be((320, 240, bands));
    }

    [Theory]
    [InlineData("p3")]
    [InlineData(null)]
    public async Task RenderAsync_ImageInAnotherColourSpace_PreviewIsItsSrgbColour(string? profile)
    {
        byte[] srgb = [40, 200, 60];
        var preview = await RenderAsync(MediaSamples.FlatJpeg(srgb, profile), "image/jpeg", Spec(320, 240, format: PreviewFormat.Png));

        using var image = VipsImage.NewFromFile(preview.Path);
        image.Contains("icc-profile-data").Should().BeFalse();
        MediaSamples.ColourDistance(image.Getpoint(160, 100), srgb).Should().BeLessThanOrEqualTo(4);
    }

    [Fact]
    public async Task RenderAsync_AnimatedGif_FirstFrameUnlessAnimationAsked()
    {
        var gif = MediaSamples.AnimatedGif(frames: 3);

        var still = await RenderAsync(gif, "image/gif", Spec(96, 96, format: PreviewFormat.Png));
        var animated = await RenderAsync(gif, "image/gif", Spec(96, 96, animated: true));

        still.MediaType.Should().Be("image/png");
        using (var image = VipsImage.NewFromFile(still.Path))
            (image.Width, image.Height, Pages(image)).Should().Be((96, 64, 1));
        animated.MediaType.Should().Be("image/webp");
        (animated.Width, animated.Height).Should().Be((96, 64));
        using (var image = VipsImage.NewFromFile(animated.Path, kwargs: new VOption { { "n", -1 } }))
            Pages(image).Should().Be(3);
    }

    [Fact]
    public async Task RenderAsync_AnimatedWebp_CroppedFramesStayAnimated()
    {
        var preview = await RenderAsync(MediaSamples.AnimatedWebp(frames: 3), "image/webp", Spec(96, 96, PreviewMethod.Crop, animated: true));

        (preview.MediaType, preview.Width, preview.Height).Should().Be(("image/webp", 96, 96));
        using var image = VipsImage.NewFromFile(preview.Path, kwargs: new VOption { { "n", -1 } });
        (image.Width, image.PageHeight, Pages(image)).Should().Be((96, 96, 3));
    }

    [Fact]
    public async Task RenderAsync_VideoStartingBlack_PreviewIsAFrameOfThePicture()
    {
        var preview = await RenderAsync(await MediaSamples.VideoWithBlackStartAsync(), "video/mp4", Spec(320, 240, format: PreviewFormat.Jpeg));

        (preview.MediaType, preview.Width, preview.Height).Should().Be(("image/jpeg", 320, 240));
        using var image = VipsImage.NewFromFile(preview.Path);
        // Black is 0 (16 in video range); the test pattern's colour bars average far above it.
        image.Avg().Should().BeGreaterThan(60);
    }

    [Fact]
    public async Task RenderAsync_VideoOfOneFrame_PreviewIsThatFrame()
    {
        // One frame at 1 fps with a second of sound: the seek a tenth into it passes the only frame.
        var preview = await RenderAsync(await MediaSamples.VideoAsync(160, 120, fps: 1, seconds: 1), "video/mp4", Spec(96, 96, format: PreviewFormat.Png));

        (preview.MediaType, preview.Width, preview.Height).Should().Be(("image/png", 96, 72));
    }

    [Theory]
    [InlineData(PreviewMethod.Scale, 320, 160)]
    [InlineData(PreviewMethod.Crop, 320, 240)]
    public async Task RenderAsync_WideImage_ScaleFitsInsideCropFillsTheBox(PreviewMethod method, int width, int height)
    {
        var preview = await RenderAsync(MediaSamples.PngWithAlpha(800, 400), "image/png", Spec(320, 240, method, PreviewFormat.Png));

        (preview.Width, preview.Height).Should().Be((width, height));
    }

    [Theory]
    [InlineData(PreviewMethod.Scale)]
    [InlineData(PreviewMethod.Crop)]
    public async Task RenderAsync_ImageSmallerThanTheBox_IsNeverUpscaled(PreviewMethod method)
    {
        var preview = await RenderAsync(MediaSamples.PngWithAlpha(100, 50), "image/png", Spec(1280, 720, method, PreviewFormat.Png));

        using var image = VipsImage.NewFromFile(preview.Path);
        (image.Width, image.Height).Should().Be((100, 50));
    }

    [Fact]
    public async Task RenderAsync_PreviewWouldOutweighItsSource_TheSourceIsThePreview()
    {
        // A few KB of PNG that lossy WebP draws in many times more.
        var png = MediaSamples.Checkerboard("image/png", metadata: false);

        var preview = await RenderAsync(png, "image/png", Spec(1280, 720));

        preview.IsSource.Should().BeTrue();
        preview.MediaType.Should().Be("image/png");
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Should().ContainSingle("only the source is left, no preview file");
    }

    [Fact]
    public async Task RenderAsync_ImageOverThePixelLimit_RefusedBeforeDecoding()
    {
        var engine = new ThumbnailEngine(Limits with { MaxSourcePixels = 10_000_000 }, quality: 80);

        var render = () => RenderAsync(engine, MediaSamples.PhoneJpeg(), "image/jpeg", Spec(320, 240));

        (await render.Should().ThrowAsync<PreviewUnavailableException>()).Which.Message.Should().Be(
            "Image of 4000x3000 is larger than this server's limit of 10 megapixels for previews");
    }

    [Fact]
    public async Task RenderAsync_ImageCostingMoreToDecodeThanTheLimit_RefusedBeforeDecoding()
    {
        // A PNG is decoded whole: 2000 x 1000 x 4 bands = 8 MB.
        var engine = new ThumbnailEngine(Limits with { MaxDecodeBytes = 4_000_000 }, quality: 80);

        var render = () => RenderAsync(engine, MediaSamples.PngWithAlpha(2000, 1000), "image/png", Spec(96, 96));

        (await render.Should().ThrowAsync<PreviewUnavailableException>()).Which.Message.Should().Be(
            "Image of 2000x1000 needs 8 MB to decode, more than this server's limit of 4 MB");
    }

    [Fact]
    public async Task RenderAsync_SourceOverTheByteLimit_Refused()
    {
        var engine = new ThumbnailEngine(Limits with { MaxSourceBytes = 1000 }, quality: 80);

        var render = () => RenderAsync(engine, MediaSamples.PngWithAlpha(100, 100), "image/png", Spec(96, 96));

        (await render.Should().ThrowAsync<PreviewUnavailableException>()).Which.Message.Should().StartWith("This blob of").And.EndWith("limit of 1000 bytes for previews");
    }

    [Theory]
    [InlineData("image/jpeg", "The image data is damaged or not an image")]
    [InlineData("video/mp4", "Not a decodable video")]
    public async Task RenderAsync_CorruptFile_Refused(string type, string reason)
    {
        var render = () => RenderAsync(MediaSamples.Junk(), type, Spec(320, 240));

        (await render.Should().ThrowAsync<PreviewUnavailableException>()).Which.Message.Should().Be(reason);
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Should().ContainSingle("only the source is left");
    }

    [Theory]
    [InlineData("image/jpeg")]
    [InlineData("video/mp4")]
    public async Task RenderAsync_TimeLimitOver_Refused(string type)
    {
        // No time at all: how much a render takes on a busy machine is no test's business.
        var engine = new ThumbnailEngine(Limits with { Timeout = TimeSpan.Zero }, quality: 80);
        var source = type == "video/mp4" ? await MediaSamples.VideoWithBlackStartAsync() : MediaSamples.PhoneJpeg();

        var render = () => RenderAsync(engine, source, type, Spec(320, 240));

        (await render.Should().ThrowAsync<PreviewUnavailableException>()).Which.Message.Should().Be("Making this preview took longer than this server's limit of 0 seconds");
    }

    [Fact]
    public async Task RenderAsync_SvgDeclaredAsPng_RefusedByItsContent()
    {
        // SVG can pull in files beside it (other users' blobs): only the optimizer's loaders are used, whatever the declared type.
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\"><rect width=\"200\" height=\"100\" fill=\"red\"/></svg>"u8.ToArray();

        var render = () => RenderAsync(svg, "image/png", Spec(96, 96));

        (await render.Should().ThrowAsync<PreviewUnavailableException>()).Which.Message.Should().Be("Not an image format this server previews (JPEG, PNG, WebP, GIF, TIFF, HEIF, AVIF)");
    }

    [Fact]
    public async Task FindLoad_Pdf_NoLoaderInThePackagedLibvips()
    {
        // Why PDFs have no preview: were a PDF loader ever packaged, this would say so.
        var path = Path.Combine(_root, "page.pdf");
        await File.WriteAllTextAsync(path, "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
            "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

        VipsImage.FindLoad(path).Should().BeNull();
    }

    [Theory]
    [InlineData("image/jpeg", true)]
    [InlineData("image/gif", true)]
    [InlineData("video/mp4", true)]
    [InlineData("image/svg+xml", false)]
    [InlineData("application/pdf", false)]
    [InlineData("audio/mpeg", false)]
    public void Previews_ImagesAndVideoOnly(string type, bool previews) => ThumbnailEngine.Previews(type).Should().Be(previews);

    private static PreviewSpec Spec(int width, int height, PreviewMethod method = PreviewMethod.Scale, PreviewFormat format = PreviewFormat.Webp, bool animated = false) =>
        new(width, height, method, format, animated);

    private Task<RenderedPreview> RenderAsync(byte[] source, string type, PreviewSpec spec) => RenderAsync(_engine, source, type, spec);

    private async Task<RenderedPreview> RenderAsync(ThumbnailEngine engine, byte[] source, string type, PreviewSpec spec)
    {
        var path = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(path, source);
        return await engine.RenderAsync(path, type, spec, _root, CancellationToken.None);
    }

    private static int Pages(VipsImage image) => image.Contains("n-pages") ? (int)image.Get("n-pages") : 1;
}
