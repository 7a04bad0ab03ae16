using System.Net;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Media;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Policy;

/// <summary>The operator's read-only views: usage per owner, storage totals, the media queue; admins only.</summary>
public sealed class AdminStatusTests
{
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();
    private readonly NostrSigner _operator = new();

    [Theory]
    [InlineData("/admin/usage")]
    [InlineData("/admin/storage")]
    [InlineData("/admin/media")]
    public async Task StatusRoute_WithoutAdminToken_401_StrangersToken_403(string path)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();

        using var anonymous = await client.GetAsync(path);
        using var stranger = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path).WithToken(_alice.Token(AuthorizationVerb.Admin)));
        using var admin = await client.SendAsync(Admin(path));

        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        stranger.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        admin.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Usage_BytesAndBlobsPerOwner_PagedByOwnerId()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();
        var shared = BlossomRequests.RandomBlob();
        var alicesOwn = BlossomRequests.RandomBlob();
        await client.UploadAsync(_alice, shared);
        await client.UploadAsync(_alice, alicesOwn);
        await client.UploadAsync(_bob, shared);
        var ownersInOrder = new[] { _alice.Pubkey, _bob.Pubkey }.Order(StringComparer.Ordinal).ToArray();

        var first = (await (await client.SendAsync(Admin("/admin/usage?limit=1"))).Content.ReadFromJsonAsync<OwnerUsage[]>())!;
        var second = (await (await client.SendAsync(Admin($"/admin/usage?limit=1&cursor={first[0].Owner}"))).Content.ReadFromJsonAsync<OwnerUsage[]>())!;
        var last = (await (await client.SendAsync(Admin($"/admin/usage?limit=1&cursor={second[0].Owner}"))).Content.ReadFromJsonAsync<OwnerUsage[]>())!;

        first.Concat(second).Select(u => u.Owner).Should().Equal(ownersInOrder);
        first.Concat(second).Should().Contain(new OwnerUsage(_alice.Pubkey, shared.Length + alicesOwn.Length, 2))
            .And.Contain(new OwnerUsage(_bob.Pubkey, shared.Length, 1));
        last.Should().BeEmpty();
    }

    [Fact]
    public async Task Usage_OwnerWhoDeletedEverything_NotListed()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        (await client.SendAsync(Admin($"/admin/blobs/{blob.Sha256}", HttpMethod.Delete))).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var usage = (await (await client.SendAsync(Admin("/admin/usage"))).Content.ReadFromJsonAsync<OwnerUsage[]>())!;

        usage.Should().BeEmpty();
    }

    [Fact]
    public async Task Storage_CountsEachBlobOnce_FreeDiskOfTheFolder_NoMatrixCacheWhenMatrixIsOff()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey });
        var client = app.Start();
        var shared = BlossomRequests.RandomBlob();
        await client.UploadAsync(_alice, shared);
        await client.UploadAsync(_bob, shared);
        var other = BlossomRequests.RandomBlob();
        await client.UploadAsync(_bob, other);

        var storage = (await (await client.SendAsync(Admin("/admin/storage"))).Content.ReadFromJsonAsync<AdminStorage>())!;

        storage.Blobs.Should().Be(2);
        storage.StoredBytes.Should().Be(shared.Length + other.Length);
        // A bucket has no free disk to tell; the file system's folder does.
        if (BlossomApplication.Backend is null)
            storage.FreeBytes.Should().BePositive().And.BeLessThanOrEqualTo(new DriveInfo(app.StoragePath).TotalSize);
        else
            storage.FreeBytes.Should().BeNull();
        storage.PartialUploads.Should().Be(0);
        storage.MatrixRemoteMedia.Should().BeNull();
    }

    [Fact]
    public async Task Media_OneWorkerBusy_ShowsTheWaitingJobAndBothRunningTasks()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Admin:Pubkeys:0"] = _operator.Pubkey,
            ["Blossom:Media:Workers"] = "1",
        })
        {
            ReplaceServices = services => services.AddSingleton<IMediaOptimizer>(sp =>
                new HeldOptimizer(new MediaOptimizer(sp.GetRequiredService<MediaRecipe>()), started, release.Task)),
        };
        var client = app.Start();
        var working = await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(64, 64), "image/png");
        await started.Task.WaitAsync(MediaRequests.Deadline);
        var waiting = await client.SubmitAsync(_bob, MediaSamples.PngWithAlpha(32, 32), "image/png");

        var queue = (await (await client.SendAsync(Admin("/admin/media"))).Content.ReadFromJsonAsync<AdminMediaJobs>())!;
        release.SetResult();
        await client.WaitForEndAsync(working.Id);
        await client.WaitForEndAsync(waiting.Id);
        var drained = (await (await client.SendAsync(Admin("/admin/media"))).Content.ReadFromJsonAsync<AdminMediaJobs>())!;

        queue.Waiting.Should().Be(1);
        queue.Tasks.Select(t => (t.Id, t.Owner, t.OriginalType)).Should().BeEquivalentTo([(working.Id, _alice.Pubkey, "image/png"), (waiting.Id, _bob.Pubkey, "image/png")]);
        drained.Waiting.Should().Be(0);
        drained.Tasks.Should().BeEmpty();
    }

    [Fact]
    public async Task MyMediaTasks_EachOwnerSeesOnlyTheirRunningTasks_NoneWithoutAToken()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Media:Workers"] = "1" })
        {
            ReplaceServices = services => services.AddSingleton<IMediaOptimizer>(sp =>
                new HeldOptimizer(new MediaOptimizer(sp.GetRequiredService<MediaRecipe>()), started, release.Task)),
        };
        var client = app.Start();
        var alices = await client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(64, 64), "image/png");
        await started.Task.WaitAsync(MediaRequests.Deadline);
        var bobs = await client.SubmitAsync(_bob, MediaSamples.PngWithAlpha(32, 32), "image/png");

        async Task<List<string>> ListAsync(NostrSigner who)
        {
            using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/media").WithToken(who.Token(AuthorizationVerb.Media)));
            response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
            return [.. (await response.Content.ReadFromJsonAsync<List<System.Text.Json.JsonElement>>())!.Select(t => t.GetProperty("id").GetString()!)];
        }
        var alicesList = await ListAsync(_alice);
        var bobsList = await ListAsync(_bob);
        using var anonymous = await client.GetAsync("/media");
        release.SetResult();
        await client.WaitForEndAsync(alices.Id);
        await client.WaitForEndAsync(bobs.Id);

        alicesList.Should().Equal(alices.Id);
        bobsList.Should().Equal(bobs.Id);
        anonymous.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        (await ListAsync(_alice)).Should().BeEmpty("ended tasks are not running");
    }

    private HttpRequestMessage Admin(string path, HttpMethod? method = null) =>
        new HttpRequestMessage(method ?? HttpMethod.Get, path).WithToken(_operator.Token(AuthorizationVerb.Admin));

    /// <summary>The real optimizer, held at its start until the test releases it, so a job stays claimed while the test looks.</summary>
    private sealed class HeldOptimizer(IMediaOptimizer tool, TaskCompletionSource started, Task release) : IMediaOptimizer
    {
        public async Task<OptimizedMedia> OptimizeAsync(string inputPath, MediaKind kind, string outputFolder, IProgress<int> progress, CancellationToken cancellationToken)
        {
            started.TrySetResult();
            await release.WaitAsync(cancellationToken);
            return await tool.OptimizeAsync(inputPath, kind, outputFolder, progress, cancellationToken);
        }
    }
}
