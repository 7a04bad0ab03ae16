using System.Diagnostics;
using System.Net;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Matrix;

/// <summary>
/// Two server processes on one PostgreSQL database and one S3 bucket: a download waiting on one node
/// for a created media id (MSC2246) ends when the upload to it arrives on the other, woken through
/// PostgreSQL's <c>NOTIFY</c> rather than by looking again on a timer. Media optimization is off, so the
/// nodes listen for Matrix alone.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class MatrixTwoNodeTests(PostgresServer postgres, S3Server s3) : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-matrix-nodes-").FullName;
    private HomeserverStandIn _homeserver = null!;

    public async Task InitializeAsync() => _homeserver = await HomeserverStandIn.StartAsync();

    public async Task DisposeAsync()
    {
        await _homeserver.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Download_WaitingOnOneNode_UploadArrivesOnTheOther_AnswersAtOnce()
    {
        var (database, bucket) = (await postgres.CreateDatabaseAsync(), await s3.CreateBucketAsync());
        using var waiting = await StartNodeAsync("waiting", database, bucket);
        using var uploading = await StartNodeAsync("uploading", database, bucket);
        var alice = _homeserver.Login("@alice:example.org");
        var mxc = await uploading.Client.CreateAsync(alice);
        var data = BlossomRequests.RandomBlob(1500);
        var clock = Stopwatch.StartNew();

        var download = waiting.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}?timeout_ms=20000");
        using var put = await uploading.Client.SendAsync(MatrixRequests.UploadTo(mxc, data, alice));
        using var response = await download;

        put.StatusCode.Should().Be(HttpStatusCode.OK, waiting.Output + uploading.Output);
        response.StatusCode.Should().Be(HttpStatusCode.OK, waiting.Output + uploading.Output);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the upload on the other node ends the wait, not timeout_ms");
    }

    [Fact]
    public async Task RemoteDownload_ConcurrentOnTwoNodes_OneFetchOverFederation()
    {
        var (database, bucket) = (await postgres.CreateDatabaseAsync(), await s3.CreateBucketAsync());
        await using var remote = await HomeserverStandIn.StartAsync("b.test");
        var data = BlossomRequests.RandomBlob(40_000);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        remote.MediaRoutes = async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await HomeserverStandIn.WriteFederationMediaAsync(context, "application/octet-stream", data);
        };
        var federation = new Dictionary<string, string>
        {
            ["Matrix:SigningKeyPath"] = _homeserver.SigningKeyPath,
            ["Matrix:Federation:KnownServers:0:Name"] = remote.ServerName,
            ["Matrix:Federation:KnownServers:0:Url"] = remote.Url.ToString(),
        };
        using var one = await StartNodeAsync("one", database, bucket, federation);
        using var two = await StartNodeAsync("two", database, bucket, federation);

        var first = one.Client.GetAsync("/_matrix/media/v3/download/b.test/concurrent");
        var second = two.Client.GetAsync("/_matrix/media/v3/download/b.test/concurrent");
        await Poll.UntilAsync(() => remote.FederationMediaRequests > 0, "a node asks the remote");
        release.SetResult();
        using var firstResponse = await first;
        using var secondResponse = await second;

        foreach (var response in new[] { firstResponse, secondResponse })
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK, one.Output + two.Output);
            (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        }
        remote.FederationMediaRequests.Should().Be(1, "the node that waited for the other's fetch found it stored");
    }

    private Task<ServerProcess> StartNodeAsync(string name, string database, string bucket, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Media:Enabled"] = "false",
            ["Matrix:Enabled"] = "true",
            ["Matrix:ServerName"] = MatrixTestServer.ServerName,
            ["Matrix:HomeserverUrl"] = _homeserver.Url.ToString(),
        };
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        return ServerProcess.StartNodeAsync(_root, name, s3, bucket, database, settings);
    }
}
