using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Previews;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Extensions.DependencyInjection;
using VipsImage = NetVips.Image;

namespace Blossom.Tests.Matrix;

/// <summary>
/// The Matrix media API end to end on the real server: every status and errcode of the content
/// repository OpenAPI and MSC2246, in both route families.
/// </summary>
public sealed class MatrixMediaTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<MatrixTestServer> _servers = [];
    private MatrixTestServer _server = null!;
    private string _alice = null!;
    private string _bob = null!;

    private HttpClient Client => _server.Client;

    public async Task InitializeAsync() => (_server, _alice, _bob) = await StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
            await server.DisposeAsync();
    }

    private async Task<(MatrixTestServer Server, string Alice, string Bob)> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var server = await MatrixTestServer.StartAsync(settings);
        _servers.Add(server);
        return (server, server.Homeserver.Login("@alice:example.org"), server.Homeserver.Login("@bob:example.org"));
    }

    private static async Task ShouldBeMatrixErrorAsync(HttpResponseMessage response, HttpStatusCode status, string errcode)
    {
        response.StatusCode.Should().Be(status);
        (await response.MatrixErrorAsync()).Errcode.Should().Be(errcode);
    }

    [Theory]
    [InlineData("/_matrix/media/v3/download/{0}", false)]
    [InlineData("/_matrix/client/v1/media/download/{0}", true)]
    public async Task Upload_ThenDownload_SameBytesTypeAndName(string route, bool needsToken)
    {
        var data = BlossomRequests.RandomBlob(4096);
        var mxc = await Client.UploadAsync(_alice, data, "application/pdf", "War and Peace.pdf");

        using var response = await Client.SendAsync(MatrixRequests.Get(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, MatrixRequests.PathOf(mxc)), needsToken ? _bob : null));

        mxc.Should().StartWith($"mxc://{MatrixTestServer.ServerName}/");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
        response.Content.Headers.ContentDisposition!.ToString().Should().Be("attachment; filename=\"War and Peace.pdf\"; filename*=UTF-8''War%20and%20Peace.pdf");
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("sandbox");
    }

    [Fact]
    public async Task Upload_EagerPreviews_PreviewMadeInTheBackground()
    {
        var (server, alice, _) = await StartAsync(new() { ["Blossom:Previews:Eager"] = "true" });
        var data = MediaSamples.PngWithAlpha();

        await server.Client.UploadAsync(alice, data, "image/png", "picture.png");

        // Nobody describes or asks for the preview: a Matrix upload is committed like any other blob.
        var previews = server.App.Services.GetRequiredService<PreviewService>();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(data));
        await Poll.UntilAsync(async () => await previews.FindAsync(sha256, previews.DefaultSpec, CancellationToken.None) is not null,
            "a Matrix upload gets its eager preview");
    }

    [Fact]
    public async Task Upload_OverMatrixLimit_413TooLarge()
    {
        var (server, alice, _) = await StartAsync(new() { ["Blossom:Matrix:MaxUploadBytes"] = "1000" });

        using var response = await server.Client.SendAsync(MatrixRequests.Upload(BlossomRequests.RandomBlob(2000), alice));
        using var config = await server.Client.SendAsync(MatrixRequests.Get("/_matrix/client/v1/media/config", alice));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "M_TOO_LARGE");
        JsonDocument.Parse(await config.Content.ReadAsStringAsync()).RootElement.GetProperty("m.upload.size").GetInt64().Should().Be(1000);
    }

    [Fact]
    public async Task Upload_TypeNotAllowed_403Forbidden()
    {
        var (server, alice, _) = await StartAsync(new() { ["Blossom:Upload:AllowedTypes:0"] = "image/*" });

        using var response = await server.Client.SendAsync(MatrixRequests.Upload([1, 2, 3], alice, "application/zip"));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Upload_OverQuota_403Forbidden()
    {
        var (server, alice, _) = await StartAsync(new() { ["Blossom:Upload:QuotaBytesPerPubkey"] = "3000" });
        await server.Client.UploadAsync(alice, BlossomRequests.RandomBlob(2000));

        using var response = await server.Client.SendAsync(MatrixRequests.Upload(BlossomRequests.RandomBlob(2000), alice));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Upload_SameBytesTwice_TwoMediaIdsOneBlob()
    {
        var data = BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes);

        var first = await Client.UploadAsync(_alice, data);
        var second = await Client.UploadAsync(_bob, data);

        first.Should().NotBe(second);
        var blobs = Directory.EnumerateFiles(_server.App.StoragePath, BlossomRequests.Sha256(data), SearchOption.AllDirectories);
        blobs.Should().ContainSingle();
    }

    [Fact]
    public async Task Download_BlossomOwnerDeletesSharedBlob_MatrixMediaStays()
    {
        var data = BlossomRequests.RandomBlob(2048);
        var nostr = new NostrSigner();
        await Client.UploadAsync(nostr, data);
        var mxc = await Client.UploadAsync(_alice, data);

        using var delete = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{BlossomRequests.Sha256(data)}")
            .WithToken(nostr.Token(AuthorizationVerb.Delete, [BlossomRequests.Sha256(data)])));
        using var download = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");

        delete.IsSuccessStatusCode.Should().BeTrue();
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(data);
    }

    [Fact]
    public async Task Create_ThenUploadTo_200EmptyObjectAndDownloadable()
    {
        using var created = await Client.SendAsync(MatrixRequests.Create(_alice));
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var mxc = body.GetProperty("content_uri").GetString()!;
        var data = BlossomRequests.RandomBlob(1000);

        using var put = await Client.SendAsync(MatrixRequests.UploadTo(mxc, data, _alice, "text/plain", "notes.txt"));
        using var download = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");

        created.StatusCode.Should().Be(HttpStatusCode.OK);
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(body.GetProperty("unused_expires_at").GetInt64());
        expires.Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(24), TimeSpan.FromMinutes(5));
        put.StatusCode.Should().Be(HttpStatusCode.OK);
        (await put.Content.ReadAsStringAsync()).Should().Be("{}");
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        download.Content.Headers.ContentDisposition!.DispositionType.Should().Be("inline");
    }

    [Fact]
    public async Task UploadTo_AnotherUsersId_403Forbidden()
    {
        var mxc = await Client.CreateAsync(_alice);

        using var response = await Client.SendAsync(MatrixRequests.UploadTo(mxc, [1, 2, 3], _bob));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.Forbidden, "M_FORBIDDEN");
    }

    [Fact]
    public async Task UploadTo_AlreadyUploaded_409CannotOverwrite()
    {
        var mxc = await Client.CreateAsync(_alice);
        using var first = await Client.SendAsync(MatrixRequests.UploadTo(mxc, [1, 2, 3], _alice));

        using var second = await Client.SendAsync(MatrixRequests.UploadTo(mxc, [4, 5, 6], _alice));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        await ShouldBeMatrixErrorAsync(second, HttpStatusCode.Conflict, "M_CANNOT_OVERWRITE_MEDIA");
    }

    [Fact]
    public async Task UploadTo_UnknownIdOrOtherServer_404NotFound()
    {
        using var unknown = await Client.SendAsync(MatrixRequests.UploadTo($"mxc://{MatrixTestServer.ServerName}/abcdefghijklmnopqrstuvwx", [1], _alice));
        using var remote = await Client.SendAsync(MatrixRequests.UploadTo("mxc://matrix.org/abcdefghijklmnopqrstuvwx", [1], _alice));

        await ShouldBeMatrixErrorAsync(unknown, HttpStatusCode.NotFound, "M_NOT_FOUND");
        await ShouldBeMatrixErrorAsync(remote, HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Create_PendingLimitReached_429LimitExceededWithRetryAfter()
    {
        var (server, alice, bob) = await StartAsync(new() { ["Blossom:Matrix:MaxPendingUploadsPerUser"] = "2" });
        await server.Client.CreateAsync(alice);
        var second = await server.Client.CreateAsync(alice);

        using var refused = await server.Client.SendAsync(MatrixRequests.Create(alice));
        using var otherUser = await server.Client.SendAsync(MatrixRequests.Create(bob));
        using var put = await server.Client.SendAsync(MatrixRequests.UploadTo(second, [1, 2, 3], alice));
        using var afterUpload = await server.Client.SendAsync(MatrixRequests.Create(alice));

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var (errcode, _, body) = await refused.MatrixErrorAsync();
        errcode.Should().Be("M_LIMIT_EXCEEDED");
        body.GetProperty("retry_after_ms").GetInt64().Should().BePositive();
        otherUser.StatusCode.Should().Be(HttpStatusCode.OK, "the limit is per user");
        put.StatusCode.Should().Be(HttpStatusCode.OK);
        afterUpload.StatusCode.Should().Be(HttpStatusCode.OK, "an uploaded id is pending no more");
    }

    [Fact]
    public async Task Create_UnusedIdExpires_DownloadAndUploadThen404()
    {
        var (server, alice, _) = await StartAsync(new() { ["Blossom:Matrix:UnusedExpirySeconds"] = "1" });
        var mxc = await server.Client.CreateAsync(alice);
        var download = $"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}?timeout_ms=0";

        // Waiting for the expiry itself: 504 while the id waits, 404 once it is gone.
        var status = HttpStatusCode.GatewayTimeout;
        await Poll.UntilAsync(async () =>
        {
            using var poll = await server.Client.GetAsync(download);
            status = poll.StatusCode;
            if (status == HttpStatusCode.GatewayTimeout)
                (await poll.MatrixErrorAsync()).Errcode.Should().Be("M_NOT_YET_UPLOADED");
            return status != HttpStatusCode.GatewayTimeout;
        }, "the unused id expires", Deadline);
        using var put = await server.Client.SendAsync(MatrixRequests.UploadTo(mxc, [1, 2, 3], alice));

        status.Should().Be(HttpStatusCode.NotFound);
        await ShouldBeMatrixErrorAsync(put, HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Download_NotYetUploadedShortTimeout_504NotYetUploaded()
    {
        var mxc = await Client.CreateAsync(_alice);

        using var response = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}?timeout_ms=100");
        using var thumbnail = await Client.SendAsync(MatrixRequests.Get($"/_matrix/client/v1/media/thumbnail/{MatrixRequests.PathOf(mxc)}?width=32&height=32&timeout_ms=0", _bob));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.GatewayTimeout, "M_NOT_YET_UPLOADED");
        await ShouldBeMatrixErrorAsync(thumbnail, HttpStatusCode.GatewayTimeout, "M_NOT_YET_UPLOADED");
    }

    [Fact]
    public async Task Download_NegativeTimeout_400InvalidParam()
    {
        var mxc = await Client.CreateAsync(_alice);

        using var legacy = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}?timeout_ms=-5");
        using var authenticated = await Client.SendAsync(MatrixRequests.Get($"/_matrix/client/v1/media/download/{MatrixRequests.PathOf(mxc)}?timeout_ms=-5", _bob));
        using var thumbnail = await Client.SendAsync(MatrixRequests.Get($"/_matrix/client/v1/media/thumbnail/{MatrixRequests.PathOf(mxc)}?width=32&height=32&timeout_ms=-5", _bob));

        await ShouldBeMatrixErrorAsync(legacy, HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        await ShouldBeMatrixErrorAsync(authenticated, HttpStatusCode.BadRequest, "M_INVALID_PARAM");
        await ShouldBeMatrixErrorAsync(thumbnail, HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Download_WaitingWhenUploadArrives_AnswersAtOnce()
    {
        var mxc = await Client.CreateAsync(_alice);
        var data = BlossomRequests.RandomBlob(1500);
        var clock = Stopwatch.StartNew();

        var download = Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}?timeout_ms=20000");
        using var put = await Client.SendAsync(MatrixRequests.UploadTo(mxc, data, _alice));
        using var response = await download;

        put.StatusCode.Should().Be(HttpStatusCode.OK);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the wait ends when the upload arrives, not at timeout_ms");
    }

    [Theory]
    [InlineData("/_matrix/media/v3/download/matrix.org/abcdefghijklmnopqrstuvwx", false)]
    [InlineData("/_matrix/client/v1/media/download/matrix.org/abcdefghijklmnopqrstuvwx", true)]
    [InlineData("/_matrix/media/v3/thumbnail/matrix.org/abcdefghijklmnopqrstuvwx?width=32&height=32", false)]
    [InlineData("/_matrix/media/v3/download/example.org/abcdefghijklmnopqrstuvwx", false)]
    [InlineData("/_matrix/media/v3/download/example.org/not-an-id", false)]
    public async Task Download_RemoteOrUnknown_404NotFound(string path, bool needsToken)
    {
        using var response = await Client.SendAsync(MatrixRequests.Get(path, needsToken ? _alice : null));

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Download_Range_206WithThePart()
    {
        var data = BlossomRequests.RandomBlob(200_000);
        var mxc = await Client.UploadAsync(_alice, data, "video/mp4");
        using var request = MatrixRequests.Get($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");
        request.Headers.Range = new RangeHeaderValue(100_000, 100_099);

        using var response = await Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data[100_000..100_100]);
        response.Content.Headers.ContentType!.MediaType.Should().Be("video/mp4");
    }

    [Fact]
    public async Task Download_AllowRedirect_307ToTheBlob()
    {
        var data = BlossomRequests.RandomBlob(1000);
        var mxc = await Client.UploadAsync(_alice, data);
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Client.BaseAddress };

        using var redirected = await noRedirects.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}?allow_redirect=true");
        using var direct = await noRedirects.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");

        redirected.StatusCode.Should().Be(HttpStatusCode.TemporaryRedirect);
        redirected.Headers.Location!.AbsolutePath.Should().Be($"/{BlossomRequests.Sha256(data)}");
        direct.StatusCode.Should().Be(HttpStatusCode.OK, "without allow_redirect the bytes come from here");
    }

    [Fact]
    public async Task Download_HtmlUpload_AttachmentWithSandbox()
    {
        var mxc = await Client.UploadAsync(_alice, Encoding.UTF8.GetBytes("<script>alert(document.cookie)</script>"), "text/html", "page.html");

        using var response = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("sandbox").And.Contain("default-src 'none'");
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
    }

    [Theory]
    [InlineData("a\"quote\".png", "inline; filename=\"a_quote_.png\"; filename*=UTF-8''a%22quote%22.png")]
    [InlineData("Fête à Zürich.png", "inline; filename=\"F_te _ Z_rich.png\"; filename*=UTF-8''F%C3%AAte%20%C3%A0%20Z%C3%BCrich.png")]
    [InlineData("../../etc/passwd.png", "inline; filename=\"passwd.png\"; filename*=UTF-8''passwd.png")]
    [InlineData("..\\windows\\evil.png", "inline; filename=\"evil.png\"; filename*=UTF-8''evil.png")]
    public async Task Download_TrickyFileName_SafeContentDisposition(string fileName, string expected)
    {
        var mxc = await Client.UploadAsync(_alice, BlossomRequests.RandomBlob(100), "image/png", fileName);

        using var response = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");

        response.Content.Headers.GetValues("Content-Disposition").Single().Should().Be(expected);
    }

    [Fact]
    public async Task Download_FileNameInRoute_OverridesAndStaysOneSegment()
    {
        var mxc = await Client.UploadAsync(_alice, BlossomRequests.RandomBlob(100), "image/png", "original.png");

        using var renamed = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}/holiday.png");
        using var traversal = await Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}/..%2F..%2Fsecret.png");

        renamed.Content.Headers.GetValues("Content-Disposition").Single().Should().Be("inline; filename=\"holiday.png\"; filename*=UTF-8''holiday.png");
        traversal.Content.Headers.GetValues("Content-Disposition").Single().Should().Be("inline; filename=\"secret.png\"; filename*=UTF-8''secret.png");
    }

    [Theory]
    [InlineData("/_matrix/media/v3/thumbnail/{0}?width=96&height=96&method=crop", false, 96, 96)]
    [InlineData("/_matrix/client/v1/media/thumbnail/{0}?width=300&height=200&method=scale", true, 320, 240)]
    public async Task Thumbnail_Image_SmallerPictureFromThePreviewEngine(string route, bool needsToken, int boxWidth, int boxHeight)
    {
        var mxc = await Client.UploadAsync(_alice, MediaSamples.PngWithAlpha(800, 600), "image/png");

        using var response = await Client.SendAsync(MatrixRequests.Get(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, MatrixRequests.PathOf(mxc)), needsToken ? _bob : null));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        using var image = VipsImage.NewFromBuffer(await response.Content.ReadAsByteArrayAsync());
        image.Width.Should().BeLessThanOrEqualTo(boxWidth);
        image.Height.Should().BeLessThanOrEqualTo(boxHeight);
        Math.Max(image.Width, image.Height).Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData("width=0&height=32")]
    [InlineData("width=-5&height=32")]
    [InlineData("width=abc&height=32")]
    [InlineData("height=32")]
    [InlineData("width=32&height=32&method=stretch")]
    [InlineData("width=32&height=32&animated=maybe")]
    public async Task Thumbnail_NonsenseParameters_400InvalidParam(string query)
    {
        var mxc = await Client.UploadAsync(_alice, MediaSamples.PngWithAlpha(64, 64), "image/png");

        using var response = await Client.GetAsync($"/_matrix/media/v3/thumbnail/{MatrixRequests.PathOf(mxc)}?{query}");

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Thumbnail_AnimatedOverTheAnimationBudget_400UnknownAtOnceInEveryBox_StillThumbnailMade()
    {
        // 999 frames of 160x160: 25.6 megapixels, over the default 25; an animated render of such a
        // GIF re-encodes every frame (a 316x316 one ran the whole 30 s limit).
        var mxc = await Client.UploadAsync(_alice, await MediaSamples.LongAnimatedGifAsync(999, 160, 160), "image/gif");
        var path = MatrixRequests.PathOf(mxc);

        using var small = await Client.GetAsync($"/_matrix/media/v3/thumbnail/{path}?width=32&height=32&method=crop&animated=true");
        using var large = await Client.GetAsync($"/_matrix/media/v3/thumbnail/{path}?width=800&height=600&method=scale&animated=true");
        using var still = await Client.GetAsync($"/_matrix/media/v3/thumbnail/{path}?width=96&height=96&method=crop&animated=false");

        foreach (var refused in new[] { small, large })
        {
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            var (errcode, error, _) = await refused.MatrixErrorAsync();
            (errcode, error).Should().Be(("M_UNKNOWN",
                "Cannot generate thumbnails for the requested content: Animation of 160x160 x 999 frames is larger than this server's limit of 25 megapixels for animated previews"));
        }
        _server.App.Logs.Entries.Where(e => e.Category == typeof(Blossom.Core.Previews.PreviewService).FullName && e.EventId.Id == 90)
            .Should().ContainSingle("the animation is refused once, from its header, and the second box is answered from that");
        still.StatusCode.Should().Be(HttpStatusCode.OK);
        still.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        using var image = VipsImage.NewFromBuffer(await still.Content.ReadAsByteArrayAsync());
        (image.Width, image.Height, image.Contains("n-pages") ? (int)image.Get("n-pages") : 1).Should().Be((96, 96, 1));
    }

    [Fact]
    public async Task Thumbnail_NotAnImage_400Unknown()
    {
        var mxc = await Client.UploadAsync(_alice, BlossomRequests.RandomBlob(100), "application/pdf");

        using var response = await Client.GetAsync($"/_matrix/media/v3/thumbnail/{MatrixRequests.PathOf(mxc)}?width=32&height=32");

        await ShouldBeMatrixErrorAsync(response, HttpStatusCode.BadRequest, "M_UNKNOWN");
    }
}
