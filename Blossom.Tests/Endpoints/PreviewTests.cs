using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Core.Previews;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Extensions.DependencyInjection;
using VipsImage = NetVips.Image;

namespace Blossom.Tests.Endpoints;

/// <summary>Blob previews over HTTP: <c>Link: rel="preview"</c>, <c>/&lt;sha256&gt;/preview</c>, and NIP-94 <c>thumb</c>/<c>image</c>.</summary>
public sealed class PreviewTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private readonly List<BlossomApplication> _apps = [];
    private readonly NostrSigner _alice = new();

    public void Dispose() => _apps.ForEach(a => a.Dispose());

    private (BlossomApplication App, HttpClient Client) Start(Dictionary<string, string?>? settings = null)
    {
        var app = new BlossomApplication(settings);
        _apps.Add(app);
        return (app, app.Start());
    }

    private static async Task<HttpResponseMessage> HeadAsync(HttpClient client, string path) =>
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

    private static string? Tag(BlobDescriptor blob, string name) => blob.Nip94?.FirstOrDefault(t => t[0] == name)?[1];

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task GetBlob_Image_LinksToItsPreview(string method)
    {
        var (app, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/{blob.Sha256}.png"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var expected = $"<{app.BaseAddress.ToString().TrimEnd('/')}/{blob.Sha256}/preview>; rel=\"preview\"";
        response.Headers.GetValues("Link").Should().Equal(expected);
    }

    [Fact]
    public async Task GetBlob_PublicUrlSet_LinkUsesIt()
    {
        var (_, client) = Start(new() { ["Blossom:PublicUrl"] = "https://cdn.example.com/blossom" });
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");

        using var response = await HeadAsync(client, $"/{blob.Sha256}");

        response.Headers.GetValues("Link").Should().Equal($"<https://cdn.example.com/blossom/{blob.Sha256}/preview>; rel=\"preview\"");
    }

    [Fact]
    public async Task GetBlob_Video_LinksToItsPreview()
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, await MediaSamples.VideoAsync(320, 240, 10, 1), "video/mp4");

        using var response = await HeadAsync(client, $"/{blob.Sha256}");

        response.Headers.GetValues("Link").Single().Should().EndWith($"/{blob.Sha256}/preview>; rel=\"preview\"");
    }

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("text/plain")]
    [InlineData("audio/mpeg")]
    [InlineData("image/svg+xml")]
    public async Task GetBlob_TypeWithoutPreviews_NoLink(string type)
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob(), type);

        using var response = await client.GetAsync($"/{blob.Sha256}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Contains("Link").Should().BeFalse();
    }

    [Fact]
    public async Task Previews_Disabled_NoLinkNoTagsAnd404()
    {
        var (_, client) = Start(new() { ["Blossom:Previews:Enabled"] = "false" });
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");

        using var head = await HeadAsync(client, $"/{blob.Sha256}");
        using var preview = await client.GetAsync($"/{blob.Sha256}/preview");
        var info = await client.GetFromJsonAsync<ServerInfo>("/info");

        head.Headers.Contains("Link").Should().BeFalse();
        preview.StatusCode.Should().Be(HttpStatusCode.NotFound);
        preview.Reason().Should().Be("Previews are turned off on this server");
        info!.Previews.Enabled.Should().BeFalse();
    }

    [Fact]
    public async Task GetPreview_Default_WebpWithinTheDefaultBoxWithCachingHeaders()
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");

        using var response = await client.GetAsync($"/{blob.Sha256}/preview");

        response.StatusCode.Should().Be(HttpStatusCode.OK, response.Reason());
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/webp");
        response.Headers.CacheControl!.ToString().Should().Be("public, max-age=86400");
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        response.Headers.ETag!.Tag.Should().Be($"\"{BlossomRequests.Sha256(bytes)}\"", "the ETag is the preview's own hash");
        using var image = VipsImage.NewFromBuffer(bytes);
        (image.Width, image.Height).Should().Be((320, 240), "an 800x600 source scaled into the default 320x240 box keeps its shape");
    }

    [Fact]
    public async Task GetPreview_Again_SameBytesMadeOnce()
    {
        var (app, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");
        var previews = app.Services.GetRequiredService<PreviewService>();
        var before = previews.Renders;

        var first = await client.GetByteArrayAsync($"/{blob.Sha256}/preview");
        var second = await client.GetByteArrayAsync($"/{blob.Sha256}/preview?w=300&h=200");

        second.Should().Equal(first, "300x200 snaps to the same default box");
        (previews.Renders - before).Should().Be(1);
    }

    [Fact]
    public async Task GetPreview_IfNoneMatch_304()
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");
        using var first = await client.GetAsync($"/{blob.Sha256}/preview");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}/preview");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NotModified);
        response.Headers.ETag.Should().Be(first.Headers.ETag);
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task HeadPreview_SameHeadersAsGetNoBody()
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");

        using var head = await HeadAsync(client, $"/{blob.Sha256}/preview");
        using var get = await client.GetAsync($"/{blob.Sha256}/preview");

        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Headers.ETag.Should().Be(get.Headers.ETag);
        head.Content.Headers.ContentLength.Should().Be(get.Content.Headers.ContentLength);
        head.Content.Headers.ContentType.Should().Be(get.Content.Headers.ContentType);
        (await head.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task GetPreview_CropJpeg_FillsTheSnappedBox()
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");

        // 90x90 is snapped up to the 96x96 box, which crop fills.
        using var response = await client.GetAsync($"/{blob.Sha256}/preview?w=90&h=90&method=crop&format=jpeg");

        response.StatusCode.Should().Be(HttpStatusCode.OK, response.Reason());
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/jpeg");
        using var image = VipsImage.NewFromBuffer(await response.Content.ReadAsByteArrayAsync());
        (image.Width, image.Height).Should().Be((96, 96));
    }

    [Theory]
    [InlineData("w=abc", "w must be a positive whole number of pixels")]
    [InlineData("w=0", "w must be a positive whole number of pixels")]
    [InlineData("h=-5", "h must be a positive whole number of pixels")]
    [InlineData("method=fit", "method must be scale or crop")]
    [InlineData("format=gif", "format must be webp, jpeg or png")]
    [InlineData("animated=yes", "animated must be 1 or 0")]
    public async Task GetPreview_BadQuery_400WithWhatIsAllowed(string query, string reason)
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");

        using var response = await client.GetAsync($"/{blob.Sha256}/preview?{query}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().Be(reason);
        (await response.Content.ReadFromJsonAsync<ErrorBody>())!.Message.Should().Be(reason);
    }

    [Fact]
    public async Task GetPreview_UnknownBlob_404()
    {
        var (_, client) = Start();

        using var response = await client.GetAsync($"/{BlossomRequests.Sha256(BlossomRequests.RandomBlob())}/preview");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Reason().Should().Be("Blob not found");
    }

    [Fact]
    public async Task GetPreview_TypeWithoutPreviews_415()
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob(), "text/plain");

        using var response = await client.GetAsync($"/{blob.Sha256}/preview");

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().NotBeNullOrEmpty();
        response.Headers.CacheControl.Should().BeNull();
    }

    [Fact]
    public async Task GetPreview_CorruptImage_422()
    {
        var (_, client) = Start();
        var blob = await client.UploadAsync(_alice, MediaSamples.Junk(), "image/png");

        using var response = await client.GetAsync($"/{blob.Sha256}/preview");

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task GetPreview_SourceOverTheLimit_422()
    {
        var (_, client) = Start(new() { ["Blossom:Previews:MaxSourceBytes"] = "1000" });
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");

        using var head = await HeadAsync(client, $"/{blob.Sha256}");
        using var response = await client.GetAsync($"/{blob.Sha256}/preview");

        head.Headers.Contains("Link").Should().BeFalse("no preview is offered for a source over the limit");
        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Upload_OncePreviewExists_DescriptorHasThumb()
    {
        var (app, client) = Start();
        var data = MediaSamples.PngWithAlpha();
        var first = await client.UploadAsync(_alice, data, "image/png");
        var preview = await client.GetByteArrayAsync($"/{first.Sha256}/preview");

        var again = await client.UploadAsync(_alice, data, "image/png");

        Tag(first, "thumb").Should().BeNull("no preview existed yet");
        var thumb = Tag(again, "thumb");
        thumb.Should().Be($"{app.BaseAddress.ToString().TrimEnd('/')}/{BlossomRequests.Sha256(preview)}.webp", "the thumb is the preview's own blob");
        (await client.GetByteArrayAsync(new Uri(thumb!).PathAndQuery)).Should().Equal(preview);
        Tag(again, "image").Should().BeNull("only a video has a poster");
    }

    [Fact]
    public async Task Mirror_OncePreviewExists_DescriptorHasThumb()
    {
        var (_, client) = Start(new() { ["Blossom:Mirror:AllowPrivateNetworks"] = "true" });
        var blob = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");
        var preview = await client.GetByteArrayAsync($"/{blob.Sha256}/preview");
        using var request = new HttpRequestMessage(HttpMethod.Put, "/mirror") { Content = JsonContent.Create(new { url = blob.Url }) };
        request.WithToken(_alice.Token(AuthorizationVerb.Upload, [blob.Sha256]));

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK, response.Reason());
        var mirrored = (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        Tag(mirrored, "thumb").Should().EndWith($"/{BlossomRequests.Sha256(preview)}.webp");
    }

    [Fact]
    public async Task MediaTask_OncePreviewExists_ResultHasThumb()
    {
        var (_, client) = Start();
        var task = await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(), "image/png");
        var done = await client.WaitForEndAsync(task.Id);
        done.Status.Should().Be("complete", done.Message);
        var preview = await client.GetByteArrayAsync($"/{done.Blob!.Sha256}/preview");

        var again = (await client.GetFromJsonAsync<MediaTaskResponse>($"/media/{task.Id}"))!;

        Tag(done.Blob, "thumb").Should().BeNull();
        Tag(again.Blob!, "thumb").Should().EndWith($"/{BlossomRequests.Sha256(preview)}.webp");
    }

    [Fact]
    public async Task Upload_VideoWithPoster_DescriptorHasImage()
    {
        var (app, client) = Start();
        var video = await MediaSamples.VideoAsync(320, 240, 10, 2);
        var blob = await client.UploadAsync(_alice, video, "video/mp4");
        var previews = app.Services.GetRequiredService<PreviewService>();
        var poster = await previews.GetOrCreateAsync(blob.Sha256, Blossom.Core.Media.VideoPoster.SpecFor(previews.Sizes), CancellationToken.None);
        poster.Preview.Should().NotBeNull(poster.Refusal);

        var again = await client.UploadAsync(_alice, video, "video/mp4");

        Tag(again, "image").Should().Be($"{app.BaseAddress.ToString().TrimEnd('/')}/{poster.Preview!.Sha256}.webp");
        Tag(again, "thumb").Should().BeNull("the default preview was not asked for");
    }

    [Fact]
    public async Task Upload_Eager_PreviewMadeInTheBackground()
    {
        var (app, client) = Start(new() { ["Blossom:Previews:Eager"] = "true" });
        var data = MediaSamples.PngWithAlpha();
        var blob = await client.UploadAsync(_alice, data, "image/png");

        // Nobody asks for the preview; the server makes it on its own.
        var previews = app.Services.GetRequiredService<PreviewService>();
        await Poll.UntilAsync(async () => await previews.FindAsync(blob.Sha256, previews.DefaultSpec, CancellationToken.None) is not null,
            "the eager preview should be made in the background", Deadline);
        var again = await client.UploadAsync(_alice, data, "image/png");

        var thumb = Tag(again, "thumb");
        thumb.Should().NotBeNull();
        using var image = VipsImage.NewFromBuffer(await client.GetByteArrayAsync(new Uri(thumb!).PathAndQuery));
        (image.Width, image.Height).Should().Be((320, 240));
        previews.Renders.Should().Be(1);
    }

    [Fact]
    public async Task Upload_EagerExistingBlobDescribedAgain_NoPreviewQueued()
    {
        var root = Directory.CreateTempSubdirectory("blossom-eager-").FullName;
        try
        {
            var existing = MediaSamples.PngWithAlpha();
            // Stored while eager previews were off: the blob has no preview.
            using (var before = new BlossomApplication(dataRoot: root))
                await before.Start().UploadAsync(_alice, existing, "image/png");

            using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Previews:Eager"] = "true" }, root);
            var client = app.Start();
            var previews = app.Services.GetRequiredService<PreviewService>();
            var described = await client.UploadAsync(_alice, existing, "image/png");
            Tag(described, "thumb").Should().BeNull();
            // Eager previews are made one at a time, in the order queued: once the new blob's is made,
            // one queued when the existing blob was described would have been made before it.
            var added = await client.UploadAsync(_alice, MediaSamples.PngWithAlpha(640, 480), "image/png");
            await Poll.UntilAsync(async () => await previews.FindAsync(added.Sha256, previews.DefaultSpec, CancellationToken.None) is not null,
                "the new blob's eager preview is made");

            (await previews.FindAsync(described.Sha256, previews.DefaultSpec, CancellationToken.None)).Should().BeNull("describing a blob starts no work");
            previews.Renders.Should().Be(1);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Info_ListsPreviewSizesAndUrl()
    {
        var (_, client) = Start();

        var info = (await client.GetFromJsonAsync<ServerInfo>("/info"))!;

        info.Previews.Enabled.Should().BeTrue();
        info.Previews.Url.Should().Be("/<sha256>/preview");
        info.Previews.Sizes.Should().Equal("32x32", "96x96", "320x240", "640x480", "800x600", "1280x720");
        info.Previews.DefaultSize.Should().Be("320x240");
        info.Previews.Methods.Should().Equal("scale", "crop");
        info.Previews.Formats.Should().Equal("webp", "jpeg", "png");
        info.Previews.Eager.Should().BeFalse();
    }
}
