using System.Diagnostics;
using Blossom.Core.Blobs;
using Blossom.Core.Changes;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Moderation;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Matrix;

/// <summary>
/// The Matrix content repository's rules as the HTTP surface uses them, on the real server's stores
/// (SQLite, the blob store, the one ingest): plain streams in, media or a refusal value out.
/// </summary>
public sealed class MatrixMediaServiceTests : IDisposable
{
    private const string Alice = "@alice:example.org";
    private const string Bob = "@bob:example.org";
    private static readonly byte[] Body = "twenty bytes of body"u8.ToArray();
    private static readonly string BodySha256 = BlossomRequests.Sha256(Body);
    private static readonly MatrixMediaSettings Defaults = new("example.org", new IngestLimits(100, []), TimeSpan.FromHours(24), 3, TimeSpan.FromSeconds(20));

    private readonly BlossomApplication _app;

    public MatrixMediaServiceTests() : this(new Dictionary<string, string?>()) { }

    private MatrixMediaServiceTests(Dictionary<string, string?> settings)
    {
        settings["Blossom:Matrix:Enabled"] = "true";
        settings["Blossom:Matrix:ServerName"] = "example.org";
        settings["Blossom:Matrix:HomeserverUrl"] = "http://127.0.0.1:9";
        settings["Blossom:Upload:QuotaBytesPerPubkey"] = "30";
        _app = new BlossomApplication(settings);
        _app.Start();
    }

    public void Dispose() => _app.Dispose();

    private BlobService Blobs => _app.Services.GetRequiredService<BlobService>();

    /// <summary>
    /// A service on the server's stores with these rules and clock; each call is another node on the same
    /// database, hearing the others' changes through the server's notifier as nodes do through PostgreSQL's.
    /// </summary>
    private MatrixMediaService Service(MatrixMediaSettings? settings = null, TimeProvider? time = null) => new(
        _app.Services.GetRequiredService<IMatrixMediaIndex>(), _app.Services.GetRequiredService<BlobIngest>(), Blobs,
        _app.Services.GetRequiredService<IModerationStore>(), _app.Services.GetRequiredService<IChangeNotifier>(), settings ?? Defaults, time ?? TimeProvider.System);

    private static MatrixUpload Upload(string owner, byte[]? body = null, string type = "text/plain", string? fileName = "notes.txt")
    {
        var bytes = body ?? Body;
        return new(owner, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), bytes.Length, type, fileName);
    }

    [Fact]
    public async Task UploadAsync_StoresTheBlobOwnedByTheUser_UnderANewMediaId()
    {
        var service = Service();

        var result = await service.UploadAsync(Upload(Alice), CancellationToken.None);

        result.Refusal.Should().BeNull();
        var media = result.Value;
        MatrixMediaService.IsValidMediaId(media.MediaId).Should().BeTrue(media.MediaId);
        (media.Owner, media.Sha256, media.ContentType, media.FileName, media.UnusedExpires).Should().Be((Alice, BodySha256, "text/plain", "notes.txt", (DateTimeOffset?)null));
        service.ContentUri(media.MediaId).Should().Be($"mxc://example.org/{media.MediaId}");
        (await Blobs.OwnersAsync(BodySha256, CancellationToken.None)).Should().Equal(Alice);
        var found = await service.WaitForAsync(media.MediaId, TimeSpan.Zero, CancellationToken.None);
        found.Value.Media.Should().Be(media);
        found.Value.Blob.Sha256.Should().Be(BodySha256);
    }

    [Fact]
    public async Task UploadAsync_SameBytesByTwoUsers_TwoMediaIdsOneBlob_OneUsersDeleteKeepsTheOther()
    {
        var service = Service();

        var first = (await service.UploadAsync(Upload(Alice), CancellationToken.None)).Value;
        var second = (await service.UploadAsync(Upload(Bob, fileName: null), CancellationToken.None)).Value;

        first.MediaId.Should().NotBe(second.MediaId);
        (first.Sha256, second.Sha256).Should().Be((BodySha256, BodySha256));
        (await Blobs.OwnersAsync(BodySha256, CancellationToken.None)).Should().BeEquivalentTo(Alice, Bob);
        (await Blobs.DeleteAsync(BodySha256, Alice, long.MaxValue, CancellationToken.None)).Should().Be(OwnerRemoval.Removed);
        (await service.WaitForAsync(second.MediaId, TimeSpan.Zero, CancellationToken.None)).Refusal.Should().BeNull();
    }

    [Fact]
    public async Task UploadAsync_PastTheRules_RefusedAsTheSpecSays()
    {
        var service = Service(Defaults with { Limits = new IngestLimits(100, ["image/*"]) });

        var large = await service.UploadAsync(Upload(Alice, new byte[101], "image/png"), CancellationToken.None);
        var type = await service.UploadAsync(Upload(Alice), CancellationToken.None);
        var quota = await service.UploadAsync(Upload(Alice, new byte[31], "image/png"), CancellationToken.None);
        var noBody = await service.UploadAsync(new MatrixUpload(Alice, null, null, "image/png", null), CancellationToken.None);

        (large.Refusal!.Kind, large.Refusal.Reason).Should().Be((MatrixRefusalKind.TooLarge, "Blob is larger than this server's limit of 100 bytes"));
        (type.Refusal!.Kind, type.Refusal.Ingest!.Kind).Should().Be((MatrixRefusalKind.Forbidden, IngestRefusalKind.TypeNotAllowed));
        (quota.Refusal!.Kind, quota.Refusal.Ingest!.Kind).Should().Be((MatrixRefusalKind.Forbidden, IngestRefusalKind.QuotaExceeded));
        (noBody.Refusal!.Kind, noBody.Refusal.Ingest!.Kind).Should().Be((MatrixRefusalKind.BadRequest, IngestRefusalKind.BodyRequired));
    }

    [Fact]
    public async Task UploadAndCreate_BlockedUser_Forbidden()
    {
        await _app.Services.GetRequiredService<IModerationStore>().BlockAsync(Alice, "spam", CancellationToken.None);
        var service = Service();

        var upload = await service.UploadAsync(Upload(Alice), CancellationToken.None);
        var create = await service.CreateAsync(Alice, CancellationToken.None);

        (upload.Refusal!.Kind, upload.Refusal.Reason).Should().Be((MatrixRefusalKind.Forbidden, "Your account is blocked on this server"));
        create.Refusal!.Kind.Should().Be(MatrixRefusalKind.Forbidden);
        (await Blobs.FindAsync(BodySha256, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task CreateAsync_ExpiresAfterTheSetting_LimitAnswersWhenTheFirstExpires()
    {
        var clock = new ManualClock(1_700_000_000);
        var service = Service(time: clock);

        var first = (await service.CreateAsync(Alice, CancellationToken.None)).Value;
        clock.UnixSeconds += 60;
        await service.CreateAsync(Alice, CancellationToken.None);
        await service.CreateAsync(Alice, CancellationToken.None);
        var fourth = await service.CreateAsync(Alice, CancellationToken.None);

        first.UnusedExpires.Should().Be(first.Created + TimeSpan.FromHours(24));
        (first.Sha256, first.Uploaded).Should().Be(((string?)null, (DateTimeOffset?)null));
        (fourth.Refusal!.Kind, fourth.Refusal.RetryAfter).Should().Be((MatrixRefusalKind.LimitExceeded, TimeSpan.FromHours(24) - TimeSpan.FromSeconds(60)));
        fourth.Refusal.Reason.Should().Be("You have 3 uploads pending; upload their content or wait until they expire");
        (await service.CreateAsync(Bob, CancellationToken.None)).Refusal.Should().BeNull("the limit is each user's");

        clock.UnixSeconds += 24 * 3600 - 60;
        (await service.CreateAsync(Alice, CancellationToken.None)).Refusal.Should().BeNull("the first one expired");
    }

    [Fact]
    public async Task UploadToAsync_ByItsCreator_Stored_ThenCannotOverwrite()
    {
        var service = Service();
        var created = (await service.CreateAsync(Alice, CancellationToken.None)).Value;

        var upload = await service.UploadToAsync(created.MediaId, Upload(Alice, type: "text/markdown", fileName: "a.md"), CancellationToken.None);
        var again = await service.UploadToAsync(created.MediaId, Upload(Alice, "other"u8.ToArray()), CancellationToken.None);

        upload.Refusal.Should().BeNull();
        (upload.Value.Sha256, upload.Value.ContentType, upload.Value.FileName).Should().Be((BodySha256, "text/markdown", "a.md"));
        (again.Refusal!.Kind, again.Refusal.Reason).Should().Be((MatrixRefusalKind.CannotOverwrite, "Media already uploaded"));
        (await Blobs.FindAsync(BlossomRequests.Sha256("other"u8.ToArray()), CancellationToken.None)).Should().BeNull("refused before the body");
        (await service.WaitForAsync(created.MediaId, TimeSpan.Zero, CancellationToken.None)).Value.Media.Should().Be(upload.Value);
        (await Blobs.OwnersAsync(BodySha256, CancellationToken.None)).Should().Equal(Alice);
    }

    [Fact]
    public async Task UploadToAsync_AnotherUsersId_ForbiddenAndNothingStored()
    {
        var service = Service();
        var created = (await service.CreateAsync(Alice, CancellationToken.None)).Value;

        var result = await service.UploadToAsync(created.MediaId, Upload(Bob), CancellationToken.None);

        (result.Refusal!.Kind, result.Refusal.Reason).Should().Be((MatrixRefusalKind.Forbidden, "This media id was created by another user"));
        (await Blobs.FindAsync(BodySha256, CancellationToken.None)).Should().BeNull();
        (await service.UploadToAsync(created.MediaId, Upload(Alice), CancellationToken.None)).Refusal.Should().BeNull("the creator still may");
    }

    [Fact]
    public async Task UploadToAsync_UnknownOrExpired_NotFound()
    {
        var clock = new ManualClock(1_700_000_000);
        var service = Service(time: clock);
        var created = (await service.CreateAsync(Alice, CancellationToken.None)).Value;
        clock.UnixSeconds += 24 * 3600;

        var expired = await service.UploadToAsync(created.MediaId, Upload(Alice), CancellationToken.None);
        var unknown = await service.UploadToAsync("AAAAAAAAAAAAAAAAAAAAAAAA", Upload(Alice), CancellationToken.None);

        (expired.Refusal!.Kind, expired.Refusal.Reason).Should().Be((MatrixRefusalKind.NotFound, $"Media {created.MediaId} not found"));
        (unknown.Refusal!.Kind, unknown.Refusal.Reason).Should().Be((MatrixRefusalKind.NotFound, "Media not found"));
        (await service.WaitForAsync(created.MediaId, TimeSpan.Zero, CancellationToken.None)).Refusal!.Kind.Should().Be(MatrixRefusalKind.NotFound);
    }

    [Fact]
    public async Task WaitForAsync_UploadArrivesHere_EndsAtOnce()
    {
        // Nothing looks again on a timer: only the upload's own signal can end this wait in time.
        var service = Service();
        var created = (await service.CreateAsync(Alice, CancellationToken.None)).Value;
        var started = Stopwatch.StartNew();

        var waiting = service.WaitForAsync(created.MediaId, TimeSpan.FromSeconds(20), CancellationToken.None);
        waiting.IsCompleted.Should().BeFalse();
        (await service.UploadToAsync(created.MediaId, Upload(Alice), CancellationToken.None)).Refusal.Should().BeNull();
        var result = await waiting;

        result.Refusal.Should().BeNull();
        result.Value.Blob.Sha256.Should().Be(BodySha256);
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WaitForAsync_UploadArrivesOnAnotherNode_WokenThroughTheNotifier()
    {
        var waitingNode = Service();
        var uploadingNode = Service();
        var created = (await uploadingNode.CreateAsync(Alice, CancellationToken.None)).Value;

        var waiting = waitingNode.WaitForAsync(created.MediaId, TimeSpan.FromSeconds(20), CancellationToken.None);
        await uploadingNode.UploadToAsync(created.MediaId, Upload(Alice), CancellationToken.None);
        var result = await waiting;

        result.Refusal.Should().BeNull();
        result.Value.Media.Sha256.Should().Be(BodySha256);
    }

    [Theory]
    [InlineData(300, 20_000)]
    [InlineData(3_600_000, 300)]
    public async Task WaitForAsync_NothingArrives_NotYetUploadedAtTheTimeoutOrTheCap(int timeoutMs, int capMs)
    {
        var service = Service(Defaults with { MaxDownloadWait = TimeSpan.FromMilliseconds(capMs) });
        var created = (await service.CreateAsync(Alice, CancellationToken.None)).Value;
        var started = Stopwatch.StartNew();

        var result = await service.WaitForAsync(created.MediaId, TimeSpan.FromMilliseconds(timeoutMs), CancellationToken.None);

        (result.Refusal!.Kind, result.Refusal.Reason).Should().Be((MatrixRefusalKind.NotYetUploaded, "Content has not yet been uploaded"));
        started.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)).And.BeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task SweepExpiredAsync_ForgetsUnusedIds_AndEndsTheirWaits()
    {
        var clock = new ManualClock(1_700_000_000);
        var service = Service(Defaults, clock);
        var unused = (await service.CreateAsync(Alice, CancellationToken.None)).Value;
        var used = (await service.CreateAsync(Alice, CancellationToken.None)).Value;
        await service.UploadToAsync(used.MediaId, Upload(Alice), CancellationToken.None);
        var waiting = service.WaitForAsync(unused.MediaId, TimeSpan.FromSeconds(20), CancellationToken.None);

        (await service.SweepExpiredAsync(CancellationToken.None)).Should().Be(0);
        clock.UnixSeconds += 24 * 3600;
        (await service.SweepExpiredAsync(CancellationToken.None)).Should().Be(1);

        (await waiting).Refusal!.Kind.Should().Be(MatrixRefusalKind.NotFound);
        (await _app.Services.GetRequiredService<IMatrixMediaIndex>().FindAsync(unused.MediaId, CancellationToken.None)).Should().BeNull();
        (await service.WaitForAsync(used.MediaId, TimeSpan.Zero, CancellationToken.None)).Refusal.Should().BeNull();
    }

    [Fact]
    public async Task WaitForAsync_BlobRemovedByTheOperator_NotFound()
    {
        var service = Service();
        var media = (await service.UploadAsync(Upload(Alice), CancellationToken.None)).Value;

        await Blobs.RemoveAsync(BodySha256, CancellationToken.None);

        (await service.WaitForAsync(media.MediaId, TimeSpan.Zero, CancellationToken.None)).Refusal!.Kind.Should().Be(MatrixRefusalKind.NotFound);
    }

    [Fact]
    public void Server_MatrixEnabled_ResolvesTheServiceWithTheSettings()
    {
        var service = _app.Services.GetRequiredService<MatrixMediaService>();

        var settings = service.Settings;
        (settings.ServerName, settings.Limits.MaxSizeBytes, settings.UnusedExpiry, settings.MaxPendingUploadsPerUser, settings.MaxDownloadWait)
            .Should().Be(("example.org", 100L * 1024 * 1024, TimeSpan.FromHours(24), 10, TimeSpan.FromSeconds(20)));
        service.IsLocal("Example.ORG").Should().BeTrue();
        service.IsLocal("other.org").Should().BeFalse();
    }
}
