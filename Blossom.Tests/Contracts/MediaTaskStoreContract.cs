using Blossom.Core.Blobs;
using Blossom.Core.Media;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IMediaTaskStore"/> does, whatever database it keeps its rows in.</summary>
public abstract class MediaTaskStoreContract : ContractSuite
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";
    private const string Original = "0100000000000000000000000000000000000000000000000000000000000000";
    private const string Other = "0200000000000000000000000000000000000000000000000000000000000000";
    private const string Result = "0300000000000000000000000000000000000000000000000000000000000000";
    private IMediaTaskStore _tasks = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _tasks = Database.MediaTasks(Clock);
    }

    [Fact]
    public async Task InsertAsync_Task_FoundAsInserted()
    {
        var task = Running("t1", Alice, Original, created: 100);

        await _tasks.InsertAsync(task, CancellationToken.None);

        (await _tasks.FindAsync("t1", CancellationToken.None)).Should().Be(task);
        (await _tasks.FindAsync("nope", CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task RunningQueries_OnlyRunningTasks_OldestFirst()
    {
        await _tasks.InsertAsync(Running("t1", Alice, Original, created: 300), CancellationToken.None);
        await _tasks.InsertAsync(Running("t2", Bob, Original, created: 100), CancellationToken.None);
        await _tasks.InsertAsync(Running("t3", Alice, Other, created: 200), CancellationToken.None);
        await _tasks.InsertAsync(Running("t4", null, Other, created: 50), CancellationToken.None);
        await _tasks.CancelAsync(["t4"], "stopped", CancellationToken.None);

        (await _tasks.RunningAsync(CancellationToken.None)).Select(t => t.Id).Should().Equal("t2", "t3", "t1");
        (await _tasks.RunningForOriginalAsync(Original, CancellationToken.None)).Select(t => t.Id).Should().BeEquivalentTo(["t1", "t2"]);
        (await _tasks.CountRunningForOwnerAsync(Alice, CancellationToken.None)).Should().Be(2);
        (await _tasks.CountRunningForOwnerAsync(Bob, CancellationToken.None)).Should().Be(1);
    }

    [Fact]
    public async Task ReportProgressAsync_SetsTheRunningTasksOfTheOriginal()
    {
        await _tasks.InsertAsync(Running("t1", Alice, Original, created: 100), CancellationToken.None);
        await _tasks.InsertAsync(Running("t2", Bob, Other, created: 100), CancellationToken.None);
        Clock.UnixSeconds = 150;

        await _tasks.ReportProgressAsync(Original, 40, "encoding", CancellationToken.None);

        (await _tasks.FindAsync("t1", CancellationToken.None)).Should().Match<MediaTask>(t => t.Progress == 40 && t.Message == "encoding" && t.Updated == 150);
        (await _tasks.FindAsync("t2", CancellationToken.None))!.Progress.Should().Be(0);
    }

    [Fact]
    public async Task CompleteAsync_RunningTasks_CarryTheResultAndItsMetadata()
    {
        var index = Database.BlobIndex(Clock);
        var result = new BlobRecord(Result, 5_000_000_000, "video/mp4", 120, OriginalSha256: Original);
        await index.AddAsync(result, [Alice], CancellationToken.None);
        await index.SetMetadataAsync(Result, new BlobMetadata(1280, 720, null), CancellationToken.None);
        await _tasks.InsertAsync(Running("t1", Alice, Original, created: 100), CancellationToken.None);
        await _tasks.InsertAsync(Running("t2", Alice, Original, created: 100), CancellationToken.None);
        await _tasks.CancelAsync(["t2"], "canceled by its owner", CancellationToken.None);
        Clock.UnixSeconds = 130;

        await _tasks.CompleteAsync(["t1", "t2"], result, resultCreated: true, "done", null, CancellationToken.None);

        var completed = await _tasks.FindAsync("t1", CancellationToken.None);
        completed.Should().Be(Running("t1", Alice, Original, created: 100) with
        {
            Status = MediaTaskStatus.Complete, Progress = 100, Message = "done", ResultCreated = true, Updated = 130,
            Result = result with { Width = 1280, Height = 720 },
        });
        (await _tasks.FindAsync("t2", CancellationToken.None))!.Status.Should().Be(MediaTaskStatus.Canceled, "an ended task stays ended");
    }

    [Fact]
    public async Task CompleteAsync_WithStreaming_TheTaskNamesTheMasterPlaylistWhileItIsStored()
    {
        var index = Database.BlobIndex(Clock);
        var result = new BlobRecord(Result, 1000, "video/mp4", 120, OriginalSha256: Original);
        var master = new BlobRecord(Other, 200, "application/vnd.apple.mpegurl", 120, OriginalSha256: Original);
        await index.AddAsync(result, [Alice], CancellationToken.None);
        await index.AddAsync(master, [Alice], CancellationToken.None);
        await _tasks.InsertAsync(Running("t1", Alice, Original, created: 100), CancellationToken.None);

        await _tasks.CompleteAsync(["t1"], result, resultCreated: true, "done", Other, CancellationToken.None);

        (await _tasks.FindAsync("t1", CancellationToken.None))!.Streaming.Should().Be(master);
        await index.RemoveAsync(Other, CancellationToken.None);
        (await _tasks.FindAsync("t1", CancellationToken.None))!.Streaming.Should().BeNull("the playlist is gone");
    }

    [Fact]
    public async Task CancelAttemptedAsync_CountsAttemptsNeverBelowZero()
    {
        await _tasks.InsertAsync(Running("t1", Alice, Original, created: 100), CancellationToken.None);
        await _tasks.InsertAsync(Running("t2", Alice, Other, created: 100), CancellationToken.None);
        await _tasks.CountAttemptAsync(Original, 1, CancellationToken.None);
        await _tasks.CountAttemptAsync(Original, 1, CancellationToken.None);
        await _tasks.CountAttemptAsync(Other, -1, CancellationToken.None);
        await _tasks.CountAttemptAsync(Other, 1, CancellationToken.None);

        (await _tasks.CancelAttemptedAsync(2, "gave up", CancellationToken.None)).Should().Be(1);

        (await _tasks.FindAsync("t1", CancellationToken.None)).Should().Match<MediaTask>(t => t.Status == MediaTaskStatus.Canceled && t.Message == "gave up");
        (await _tasks.FindAsync("t2", CancellationToken.None))!.IsRunning.Should().BeTrue("its one attempt is below the limit");
    }

    [Fact]
    public async Task DeleteEndedBeforeAsync_ForgetsOnlyOldEndedTasks()
    {
        await _tasks.InsertAsync(Running("old", Alice, Original, created: 100), CancellationToken.None);
        await _tasks.InsertAsync(Running("new", Alice, Original, created: 100), CancellationToken.None);
        await _tasks.InsertAsync(Running("running", Alice, Other, created: 100), CancellationToken.None);
        Clock.UnixSeconds = 200;
        await _tasks.CancelAsync(["old"], "x", CancellationToken.None);
        Clock.UnixSeconds = 400;
        await _tasks.CancelAsync(["new"], "x", CancellationToken.None);

        (await _tasks.DeleteEndedBeforeAsync(300, CancellationToken.None)).Should().Be(1);

        (await _tasks.FindAsync("old", CancellationToken.None)).Should().BeNull();
        (await _tasks.FindAsync("new", CancellationToken.None)).Should().NotBeNull();
        (await _tasks.FindAsync("running", CancellationToken.None)).Should().NotBeNull();
    }

    [Fact]
    public async Task SaveResultAsync_PerOriginalAndRecipe_LatestWins()
    {
        await _tasks.SaveResultAsync(Original, "webp-q80", new MediaResult(Other), CancellationToken.None);
        await _tasks.SaveResultAsync(Original, "webp-q80", new MediaResult(Result, Other), CancellationToken.None);

        (await _tasks.FindResultAsync(Original, "webp-q80", CancellationToken.None)).Should().Be(new MediaResult(Result, Other));
        (await _tasks.FindResultAsync(Original, "avif", CancellationToken.None)).Should().BeNull();
    }

    private static MediaTask Running(string id, string? owner, string original, long created) =>
        new(id, owner, original, "image/png", MediaTaskStatus.Running, 0, "queued", null, false, created, created);
}

public sealed class SqliteMediaTaskStoreContract : MediaTaskStoreContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresMediaTaskStoreContract(PostgresServer server) : MediaTaskStoreContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
