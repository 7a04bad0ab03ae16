using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IPartialUploadIndex"/> does, whatever database it keeps its rows in.</summary>
public abstract class PartialUploadIndexContract : ContractSuite
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";
    // Milliseconds matter: the idle timeout may be a second.
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
    private IPartialUploadIndex _index = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _index = Database.PartialUploads();
    }

    [Fact]
    public async Task FindAsync_UnknownUpload_Null()
    {
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().BeNull();
        (await _index.ChunksAsync(Hash(1), CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task StartAsync_NewHash_RecordedWithEveryField()
    {
        var upload = Upload(1, Alice) with { Touched = T0.AddMilliseconds(5) };

        (await _index.StartAsync(upload, CancellationToken.None)).Should().Be((upload, true));

        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().Be(upload);
    }

    [Fact]
    public async Task StartAsync_HashUnderWay_AnswersTheFirstUpload()
    {
        var first = Upload(1, Alice);
        await _index.StartAsync(first, CancellationToken.None);

        (await _index.StartAsync(Upload(1, Bob) with { Length = 7 }, CancellationToken.None)).Should().Be((first, false));
    }

    [Fact]
    public async Task StartAsync_SameHashAtOnce_OneCreatesIt()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => _index.StartAsync(Upload(1, i % 2 == 0 ? Alice : Bob), CancellationToken.None))));

        outcomes.Count(o => o.Created).Should().Be(1);
        outcomes.Select(o => o.Upload).Distinct().Should().ContainSingle();
    }

    [Fact]
    public async Task StartAsync_Anonymous_RecordedWithoutOwner()
    {
        await _index.StartAsync(Upload(1, null), CancellationToken.None);

        (await _index.FindAsync(Hash(1), CancellationToken.None))!.Owner.Should().BeNull();
    }

    [Fact]
    public async Task AddChunkAsync_AnswersEveryChunkByOffsetAndMarksActivity()
    {
        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);

        (await _index.AddChunkAsync(Hash(1), new PartialChunk(500, 500, "b"), T0.AddSeconds(1), CancellationToken.None))
            .Should().Equal(new PartialChunk(500, 500, "b"));
        (await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 600, "a"), T0.AddSeconds(2), CancellationToken.None))
            .Should().Equal(new PartialChunk(0, 600, "a"), new PartialChunk(500, 500, "b"));

        (await _index.ChunksAsync(Hash(1), CancellationToken.None)).Should().Equal(new PartialChunk(0, 600, "a"), new PartialChunk(500, 500, "b"));
        (await _index.FindAsync(Hash(1), CancellationToken.None))!.Touched.Should().Be(T0.AddSeconds(2));
    }

    [Fact]
    public async Task AddChunkAsync_PartRecordedAgainWithMoreBytes_KeepsTheLongest()
    {
        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);
        await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 300, "spine"), T0, CancellationToken.None);

        (await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 800, "spine"), T0, CancellationToken.None)).Should().Equal(new PartialChunk(0, 800, "spine"));
        (await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 100, "spine"), T0, CancellationToken.None)).Should().Equal(new PartialChunk(0, 800, "spine"));
    }

    [Fact]
    public async Task AddChunkAsync_UploadGone_NullAndNothingRecorded()
    {
        (await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 10, "a"), T0, CancellationToken.None)).Should().BeNull();

        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);
        await _index.RemoveAsync(Hash(1), CancellationToken.None);

        (await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 10, "a"), T0, CancellationToken.None)).Should().BeNull();
        (await _index.ChunksAsync(Hash(1), CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task AddChunkAsync_ChunksAtOnce_TheLastRecordedSeesThemAll()
    {
        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);
        var chunks = Enumerable.Range(0, 16).Select(i => new PartialChunk(i * 100, 100, $"p{i:D2}")).ToList();

        var answers = await Task.WhenAll(chunks.Select(chunk => Task.Run(() => _index.AddChunkAsync(Hash(1), chunk, T0, CancellationToken.None))));

        // Whichever order they were recorded in, one of them saw the upload whole, so it would complete it.
        answers.Should().OnlyContain(a => a != null);
        answers.Count(a => a!.Count == chunks.Count).Should().Be(1);
        answers.Select(a => a!.Count).Should().OnlyHaveUniqueItems();
        (await _index.ChunksAsync(Hash(1), CancellationToken.None)).Should().Equal(chunks);
    }

    [Fact]
    public async Task TouchAsync_MovesActivityForwardNeverBack()
    {
        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);

        (await _index.TouchAsync(Hash(1), T0.AddSeconds(10), CancellationToken.None)).Should().BeTrue();
        (await _index.TouchAsync(Hash(1), T0.AddSeconds(3), CancellationToken.None)).Should().BeTrue();

        (await _index.FindAsync(Hash(1), CancellationToken.None))!.Touched.Should().Be(T0.AddSeconds(10));
    }

    [Fact]
    public async Task TouchAsync_UploadGone_False() =>
        (await _index.TouchAsync(Hash(1), T0, CancellationToken.None)).Should().BeFalse();

    [Fact]
    public async Task ClaimCompletionAsync_ManyAtOnce_OneWinsAndTheUploadShowsIt()
    {
        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _index.ClaimCompletionAsync(Hash(1), T0.AddSeconds(1), CancellationToken.None))));

        claims.Count(c => c).Should().Be(1);
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().Be(Upload(1, Alice) with { Touched = T0.AddSeconds(1), Completing = true });
    }

    [Fact]
    public async Task ClaimCompletionAsync_UploadGone_False() =>
        (await _index.ClaimCompletionAsync(Hash(1), T0, CancellationToken.None)).Should().BeFalse();

    [Fact]
    public async Task RemoveAsync_ForgetsTheUploadAndItsChunksOnce()
    {
        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);
        await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 10, "a"), T0, CancellationToken.None);

        (await _index.RemoveAsync(Hash(1), CancellationToken.None)).Should().BeTrue();
        (await _index.RemoveAsync(Hash(1), CancellationToken.None)).Should().BeFalse();

        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().BeNull();
        (await _index.ChunksAsync(Hash(1), CancellationToken.None)).Should().BeEmpty();
        // A new upload of the hash starts from nothing.
        await _index.StartAsync(Upload(1, Bob), CancellationToken.None);
        (await _index.ChunksAsync(Hash(1), CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task RemoveIdleAsync_RemovesOnlyUploadsIdleSinceThenCompletingOrNot()
    {
        await _index.StartAsync(Upload(1, Alice), CancellationToken.None);
        await _index.StartAsync(Upload(2, Alice), CancellationToken.None);
        await _index.StartAsync(Upload(3, Bob), CancellationToken.None);
        await _index.AddChunkAsync(Hash(1), new PartialChunk(0, 10, "a"), T0, CancellationToken.None);
        await _index.ClaimCompletionAsync(Hash(2), T0.AddMilliseconds(999), CancellationToken.None);
        await _index.TouchAsync(Hash(3), T0.AddSeconds(1), CancellationToken.None);

        (await _index.RemoveIdleAsync(T0.AddSeconds(1), CancellationToken.None)).Should().BeEquivalentTo([Hash(1), Hash(2)]);

        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().BeNull();
        (await _index.ChunksAsync(Hash(1), CancellationToken.None)).Should().BeEmpty();
        (await _index.FindAsync(Hash(2), CancellationToken.None)).Should().BeNull();
        (await _index.FindAsync(Hash(3), CancellationToken.None)).Should().NotBeNull();
    }

    [Fact]
    public async Task RemoveIdleAsync_SweepsAtOnce_EachHashGoesToOneCaller()
    {
        var hashes = Enumerable.Range(1, 20).Select(Hash).ToList();
        foreach (var n in Enumerable.Range(1, 20))
            await _index.StartAsync(Upload(n, Alice), CancellationToken.None);

        var swept = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => _index.RemoveIdleAsync(T0.AddSeconds(1), CancellationToken.None))));

        swept.SelectMany(s => s).Should().BeEquivalentTo(hashes);
    }

    [Fact]
    public async Task UsageAsync_CountsThePubkeysPartialUploadsButTheAskedOne()
    {
        var blobs = Database.BlobIndex(Clock);
        await blobs.AddAsync(new BlobRecord(Hash(9), 5, "application/octet-stream", 100), [Alice], CancellationToken.None);
        await _index.StartAsync(Upload(1, Alice) with { Length = 1000 }, CancellationToken.None);
        await _index.StartAsync(Upload(2, Alice) with { Length = 20 }, CancellationToken.None);
        await _index.StartAsync(Upload(3, Bob) with { Length = 300 }, CancellationToken.None);
        await _index.StartAsync(Upload(4, null) with { Length = 4000 }, CancellationToken.None);

        (await blobs.UsageAsync(Alice, null, CancellationToken.None)).Should().Be(new StorageUsage(1025, false));
        (await blobs.UsageAsync(Alice, Hash(1), CancellationToken.None)).Should().Be(new StorageUsage(25, false));
        (await blobs.UsageAsync(Alice, Hash(9), CancellationToken.None)).Should().Be(new StorageUsage(1025, true));
        (await blobs.UsageAsync(Bob, null, CancellationToken.None)).Should().Be(new StorageUsage(300, false));

        await _index.RemoveAsync(Hash(1), CancellationToken.None);

        (await blobs.UsageAsync(Alice, null, CancellationToken.None)).Should().Be(new StorageUsage(25, false));
    }

    private static PartialUpload Upload(int n, string? owner) => new(Hash(n), owner, "video/mp4", 1000, T0, T0);

    private static string Hash(int n) => n.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0');
}

public sealed class SqlitePartialUploadIndexContract : PartialUploadIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresPartialUploadIndexContract(PostgresServer server) : PartialUploadIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
