using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Blossom.Tests.Media;

/// <summary>
/// Two server processes on one PostgreSQL database and one S3 bucket behave as one server: a blob
/// uploaded on one is read and deleted on the other; a media task is run by whichever node has a
/// free worker, requests for the same original on different nodes share one job, its changes reach
/// a long-poll on any node, and a node killed mid-job leaves the job to the other after the lease.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class MediaTwoNodeTests(PostgresServer postgres, S3Server s3) : IDisposable
{
    private const string LeaseSeconds = "3";

    private readonly NostrSigner _alice = new();
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-nodes-").FullName;

    public void Dispose()
    {
        foreach (var pid in MediaRequests.FfmpegProcessesUnder(_root))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task TaskOnWebOnlyNode_RunsOnTheOther_LongPollOnTheFirstEndsAtCompletionAndALaterRequestShares()
    {
        var (database, bucket) = await NewClusterAsync();
        using var web = await StartNodeAsync("web", database, bucket, new() { ["Media:Workers"] = "0" });
        // Slow enough that a second request for the same original arrives while the job runs.
        using var worker = await StartNodeAsync("worker", database, bucket, new() { ["Media:Workers"] = "1", ["Media:Video:Preset"] = "veryslow" });
        var video = await MediaSamples.VideoAsync(640, 360, fps: 25, seconds: 4);
        var bob = new NostrSigner();

        var submitted = await web.Client.SubmitAsync(_alice, video, "video/mp4");
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(Path.Combine(_root, "worker")).Count == 1, "the worker node transcodes");
        var joined = await worker.Client.SubmitAsync(bob, video, "video/mp4");
        var polled = await web.Client.WaitForEndAsync(submitted.Id);
        var joinedEnd = await web.Client.WaitForEndAsync(joined.Id);

        polled.Status.Should().Be("complete", web.Output + worker.Output);
        polled.Blob!.Type.Should().Be("video/mp4");
        joined.Status.Should().Be("running", "the second request joins the job already running");
        joinedEnd.Blob!.Sha256.Should().Be(polled.Blob.Sha256, "one job served both requests");
        (await worker.Client.GetFromJsonAsync<MediaTaskResponse>($"/media/{submitted.Id}"))!.Status.Should().Be("complete");
        using var download = await web.Client.GetAsync(new Uri(polled.Blob.Url).PathAndQuery);
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync()).Length.Should().Be((int)polled.Blob.Size);
        (await web.Client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{bob.Pubkey}")).Should().ContainSingle().Which.Sha256.Should().Be(polled.Blob.Sha256);
        (await JobsLeftAsync(database)).Should().Be(0);
    }

    [Fact]
    public async Task NodeKilledMidTranscode_OtherNodeFinishesAfterTheLease_OneResult()
    {
        var (database, bucket) = await NewClusterAsync();
        // The first node works slowly, so it is surely mid-job when killed; the second finishes the same job quickly.
        using var first = await StartNodeAsync("first", database, bucket, new() { ["Media:Workers"] = "1", ["Media:Video:Preset"] = "veryslow" });
        var video = await MediaSamples.VideoAsync(1280, 720, fps: 10, seconds: 10);
        var id = (await first.Client.SubmitAsync(_alice, video, "video/mp4")).Id;
        await Poll.UntilAsync(() => MediaRequests.FfmpegProcessesUnder(Path.Combine(_root, "first")).Count == 1, "the first node transcodes");
        using var second = await StartNodeAsync("second", database, bucket, new() { ["Media:Workers"] = "1", ["Media:Video:Preset"] = "ultrafast" });
        MediaRequests.FfmpegProcessesUnder(Path.Combine(_root, "second")).Should().BeEmpty("the first node's lease still holds the job");
        first.Kill();

        var task = await second.Client.WaitForEndAsync(id);

        task.Status.Should().Be("complete", second.Output);
        (await second.Client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle()
            .Which.Sha256.Should().Be(task.Blob!.Sha256);
        (await JobsLeftAsync(database)).Should().Be(0);
        (await AttemptsAsync(database, id)).Should().Be(2, "the killed run and the finished one");
    }

    [Fact]
    public async Task Blob_UploadedOnOneNode_ReadAndDeletedOnTheOther()
    {
        var (database, bucket) = await NewClusterAsync();
        using var a = await StartNodeAsync("a", database, bucket, new());
        using var b = await StartNodeAsync("b", database, bucket, new());
        var data = BlossomRequests.RandomBlob(100_000);

        var blob = await a.Client.UploadAsync(_alice, data, "image/png");
        var read = await b.Client.GetByteArrayAsync($"/{blob.Sha256}.png");
        var listed = await b.Client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}");
        using var delete = await b.Client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(Blossom.Core.Auth.AuthorizationVerb.Delete, [blob.Sha256])));
        using var afterDelete = await a.Client.GetAsync($"/{blob.Sha256}.png");

        read.Should().Equal(data);
        listed.Should().ContainSingle().Which.Sha256.Should().Be(blob.Sha256);
        delete.StatusCode.Should().Be(HttpStatusCode.NoContent, delete.Reason());
        afterDelete.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await s3.KeysAsync(bucket)).Should().NotContain(blob.Sha256);
    }

    private async Task<(string Database, string Bucket)> NewClusterAsync() => (await postgres.CreateDatabaseAsync(), await s3.CreateBucketAsync());

    /// <summary>A node with its own work and temp folders, sharing the database and the bucket with the others.</summary>
    private Task<ServerProcess> StartNodeAsync(string name, string database, string bucket, Dictionary<string, string> settings)
    {
        settings["Media:LeaseSeconds"] = LeaseSeconds;
        return ServerProcess.StartNodeAsync(_root, name, s3, bucket, database, settings);
    }

    private static async Task<long> JobsLeftAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM media_jobs");
    }

    private static async Task<long> AttemptsAsync(string database, string id)
    {
        await using var connection = new NpgsqlConnection(database);
        return await connection.ExecuteScalarAsync<long>("SELECT attempts FROM media_tasks WHERE id = @id", new { id });
    }
}
