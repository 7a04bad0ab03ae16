using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IChunkedUploadIndex"/> does, whatever database it keeps its rows in.</summary>
public abstract class ChunkedUploadIndexContract : ContractSuite
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";
    // Milliseconds matter: the idle timeout may be a second.
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
    private static readonly CancellationToken None = CancellationToken.None;
    private IChunkedUploadIndex _index = null!;

    /// <summary>Whether a claim left at start-up goes at once (a database one process uses) or lapses (a shared one).</summary>
    protected abstract bool ReleasesClaimsAtStart { get; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _index = Database.ChunkedUploadIndex();
    }

    [Fact]
    public async Task FindAsync_UnknownUpload_Null()
    {
        (await _index.FindAsync(Hash(1), Alice, None)).Should().BeNull();
        (await _index.ExistsAsync(Id(1, Alice), None)).Should().BeFalse();
        (await _index.ChunksAsync(Id(1, Alice), None)).Should().BeEmpty();
        (await _index.OfBlobAsync(Hash(1), None)).Should().BeEmpty();
    }

    [Fact]
    public async Task StartAsync_NewUpload_RecordedWithEveryField()
    {
        var upload = Upload(1, Alice) with { Touched = T0.AddMilliseconds(5) };

        (await _index.StartAsync(upload, None)).Should().Be((upload, true));

        (await _index.FindAsync(Hash(1), Alice, None)).Should().Be(upload);
        (await _index.ExistsAsync(upload.Id, None)).Should().BeTrue();
    }

    [Fact]
    public async Task StartAsync_OwnersUploadUnderWay_AnswersTheFirstUpload()
    {
        var first = Upload(1, Alice);
        await _index.StartAsync(first, None);

        (await _index.StartAsync(Upload(1, Alice) with { Id = Id(9, Alice), Length = 7 }, None)).Should().Be((first, false));
        (await _index.ExistsAsync(Id(9, Alice), None)).Should().BeFalse();
    }

    [Fact]
    public async Task StartAsync_OtherUploadersOfTheHash_EachGetsTheirOwn()
    {
        var alices = Upload(1, Alice);
        var bobs = Upload(1, Bob) with { Length = 7 };
        var anonymous = Upload(1, null) with { Type = "image/png" };

        (await _index.StartAsync(alices, None)).Should().Be((alices, true));
        (await _index.StartAsync(bobs, None)).Should().Be((bobs, true));
        (await _index.StartAsync(anonymous, None)).Should().Be((anonymous, true));

        (await _index.FindAsync(Hash(1), Alice, None)).Should().Be(alices);
        (await _index.FindAsync(Hash(1), Bob, None)).Should().Be(bobs);
        (await _index.FindAsync(Hash(1), null, None)).Should().Be(anonymous);
        (await _index.OfBlobAsync(Hash(1), None)).Should().BeEquivalentTo([alices, bobs, anonymous]);
    }

    [Fact]
    public async Task StartAsync_SameHashAtOnce_OneCreatesItPerUploader()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => _index.StartAsync(Upload(1, i % 2 == 0 ? Alice : Bob) with { Id = Id(100 + i, null) }, None))));

        outcomes.Count(o => o.Created).Should().Be(2);
        outcomes.Select(o => o.Upload).Distinct().Should().HaveCount(2);
    }

    [Fact]
    public async Task AddChunksAsync_AnswersEveryChunkByOffsetAndMarksActivity()
    {
        await _index.StartAsync(Upload(1, Alice), None);

        (await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(500, 500, "b")], T0.AddSeconds(1), None))
            .Should().Equal(new StoredChunk(500, 500, "b"));
        (await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 100, "a"), new StoredChunk(200, 100, "c")], T0.AddSeconds(2), None))
            .Should().Equal(new StoredChunk(0, 100, "a"), new StoredChunk(200, 100, "c"), new StoredChunk(500, 500, "b"));
        (await _index.AddChunksAsync(Id(1, Alice), [], T0.AddSeconds(3), None))
            .Should().HaveCount(3, "a chunk whose bytes were all held already records nothing, but marks activity");

        (await _index.ChunksAsync(Id(1, Alice), None)).Should().HaveCount(3);
        (await _index.FindAsync(Hash(1), Alice, None))!.Touched.Should().Be(T0.AddSeconds(3));
    }

    [Fact]
    public async Task TotalsAsync_UploadsUnderWayTheirChunksBytesAndTheirDeclaredLengths()
    {
        (await _index.TotalsAsync(None)).Should().Be(new ChunkedUploadTotals(0, 0, 0));
        await _index.StartAsync(Upload(1, Alice), None);
        await _index.StartAsync(Upload(1, Bob), None);
        await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 100, "a"), new StoredChunk(500, 500, "b")], T0, None);
        await _index.AddChunksAsync(Id(1, Bob), [new StoredChunk(0, 50, "a")], T0, None);

        (await _index.TotalsAsync(None)).Should().Be(new ChunkedUploadTotals(2, 650, 2000), "each upload declared 1000 bytes");
    }

    [Fact]
    public async Task AddChunksAsync_OtherUploadersChunks_NotSeen()
    {
        await _index.StartAsync(Upload(1, Alice), None);
        await _index.StartAsync(Upload(1, Bob), None);

        await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 10, "a")], T0, None);

        (await _index.ChunksAsync(Id(1, Bob), None)).Should().BeEmpty();
    }

    [Fact]
    public async Task AddChunksAsync_PartRecordedAgainWithMoreBytes_KeepsTheLongest()
    {
        await _index.StartAsync(Upload(1, Alice), None);
        await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 300, "spine")], T0, None);

        (await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 800, "spine")], T0, None)).Should().Equal(new StoredChunk(0, 800, "spine"));
        (await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 100, "spine")], T0, None)).Should().Equal(new StoredChunk(0, 800, "spine"));
    }

    [Fact]
    public async Task AddChunksAsync_UploadGone_NullAndNothingRecorded()
    {
        (await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 10, "a")], T0, None)).Should().BeNull();

        await _index.StartAsync(Upload(1, Alice), None);
        await _index.RemoveAsync(Id(1, Alice), None);

        (await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 10, "a")], T0, None)).Should().BeNull();
        (await _index.ChunksAsync(Id(1, Alice), None)).Should().BeEmpty();
    }

    [Fact]
    public async Task AddChunksAsync_ChunksAtOnce_TheLastRecordedSeesThemAll()
    {
        await _index.StartAsync(Upload(1, Alice), None);
        var chunks = Enumerable.Range(0, 16).Select(i => new StoredChunk(i * 100, 100, $"p{i:D2}")).ToList();

        var answers = await Task.WhenAll(chunks.Select(chunk => Task.Run(() => _index.AddChunksAsync(Id(1, Alice), [chunk], T0, None))));

        // Whichever order they were recorded in, one of them saw the upload whole, so it would complete it.
        answers.Should().OnlyContain(a => a != null);
        answers.Count(a => a!.Count == chunks.Count).Should().Be(1);
        answers.Select(a => a!.Count).Should().OnlyHaveUniqueItems();
        (await _index.ChunksAsync(Id(1, Alice), None)).Should().Equal(chunks);
    }

    [Fact]
    public async Task TouchAsync_MovesActivityForwardNeverBack()
    {
        await _index.StartAsync(Upload(1, Alice), None);

        (await _index.TouchAsync(Id(1, Alice), T0.AddSeconds(10), None)).Should().BeTrue();
        (await _index.TouchAsync(Id(1, Alice), T0.AddSeconds(3), None)).Should().BeTrue();

        (await _index.FindAsync(Hash(1), Alice, None))!.Touched.Should().Be(T0.AddSeconds(10));
    }

    [Fact]
    public async Task TouchAsync_UploadGone_False() =>
        (await _index.TouchAsync(Id(1, Alice), T0, None)).Should().BeFalse();

    [Fact]
    public async Task ClaimCompletionAsync_ManyAtOnce_OneWinsAndTheUploadShowsIt()
    {
        await _index.StartAsync(Upload(1, Alice), None);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => _index.ClaimCompletionAsync(Id(1, Alice), T0.AddSeconds(1), T0.AddSeconds(31), None))));

        claims.Count(c => c).Should().Be(1);
        (await _index.FindAsync(Hash(1), Alice, None)).Should().Be(Upload(1, Alice) with { Touched = T0.AddSeconds(1), ClaimedUntil = T0.AddSeconds(31) });
    }

    [Fact]
    public async Task ClaimCompletionAsync_ClaimHeld_RefusedUntilItLapsesUnlessRenewed()
    {
        await _index.StartAsync(Upload(1, Alice), None);
        await _index.StartAsync(Upload(2, Alice), None);
        await _index.ClaimCompletionAsync(Id(1, Alice), T0, T0.AddSeconds(30), None);
        await _index.ClaimCompletionAsync(Id(2, Alice), T0, T0.AddSeconds(30), None);

        (await _index.RenewClaimAsync(Id(2, Alice), T0.AddSeconds(20), T0.AddSeconds(50), None)).Should().BeTrue();

        (await _index.ClaimCompletionAsync(Id(1, Alice), T0.AddSeconds(29), T0.AddSeconds(59), None)).Should().BeFalse("its holder may still be at work");
        (await _index.ClaimCompletionAsync(Id(1, Alice), T0.AddSeconds(30), T0.AddSeconds(60), None)).Should().BeTrue("its holder stopped renewing it: it died");
        (await _index.ClaimCompletionAsync(Id(2, Alice), T0.AddSeconds(30), T0.AddSeconds(60), None)).Should().BeFalse("its holder renewed it");
        (await _index.FindAsync(Hash(2), Alice, None))!.Touched.Should().Be(T0.AddSeconds(20), "a renewal is activity");
    }

    [Fact]
    public async Task ClaimCompletionAsync_UploadGone_False()
    {
        (await _index.ClaimCompletionAsync(Id(1, Alice), T0, T0.AddSeconds(30), None)).Should().BeFalse();
        (await _index.RenewClaimAsync(Id(1, Alice), T0, T0.AddSeconds(30), None)).Should().BeFalse();
    }

    [Fact]
    public async Task InitializeAsync_ClaimLeftByThePreviousRun_ReleasedWhereOneProcessUsesTheDatabase()
    {
        await _index.StartAsync(Upload(1, Alice), None);
        await _index.ClaimCompletionAsync(Id(1, Alice), T0, T0.AddSeconds(30), None);

        await Database.ChunkedUploadIndex().InitializeAsync(None);

        (await _index.ClaimCompletionAsync(Id(1, Alice), T0.AddSeconds(1), T0.AddSeconds(31), None)).Should().Be(ReleasesClaimsAtStart);
    }

    [Fact]
    public async Task StalledAsync_OnlyUploadsWithEnoughBytesNobodyCompletesAndNoRecentActivity()
    {
        foreach (var n in Enumerable.Range(1, 5))
            await _index.StartAsync(Upload(n, Alice), None);
        foreach (var n in new[] { 1, 3, 4, 5 })
            await _index.AddChunksAsync(Id(n, Alice), [new StoredChunk(0, 600, "a"), new StoredChunk(500, 500, "b")], T0, None);
        await _index.AddChunksAsync(Id(2, Alice), [new StoredChunk(0, 999, "a")], T0, None);
        await _index.ClaimCompletionAsync(Id(3, Alice), T0, T0.AddSeconds(60), None);
        await _index.ClaimCompletionAsync(Id(4, Alice), T0, T0.AddSeconds(5), None);
        await _index.TouchAsync(Id(5, Alice), T0.AddSeconds(10), None);

        var stalled = await _index.StalledAsync(T0.AddSeconds(10), T0.AddSeconds(10), None);

        stalled.Select(u => u.Id).Should().BeEquivalentTo([Id(1, Alice), Id(4, Alice)], "2 lacks a byte, 3's claim holds, 5 just had a chunk");
    }

    [Fact]
    public async Task RemoveAsync_ForgetsTheUploadAndItsChunksOnce()
    {
        await _index.StartAsync(Upload(1, Alice), None);
        await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 10, "a")], T0, None);

        (await _index.RemoveAsync(Id(1, Alice), None)).Should().BeTrue();
        (await _index.RemoveAsync(Id(1, Alice), None)).Should().BeFalse();

        (await _index.FindAsync(Hash(1), Alice, None)).Should().BeNull();
        (await _index.ChunksAsync(Id(1, Alice), None)).Should().BeEmpty();
        // A new upload of the hash starts from nothing.
        await _index.StartAsync(Upload(1, Alice) with { Id = Id(2, Alice) }, None);
        (await _index.ChunksAsync(Id(2, Alice), None)).Should().BeEmpty();
    }

    [Fact]
    public async Task RemoveIdleAsync_RemovesOnlyUploadsIdleSinceThenClaimedOrNot()
    {
        await _index.StartAsync(Upload(1, Alice), None);
        await _index.StartAsync(Upload(2, Alice), None);
        await _index.StartAsync(Upload(3, Bob), None);
        await _index.AddChunksAsync(Id(1, Alice), [new StoredChunk(0, 10, "a")], T0, None);
        await _index.ClaimCompletionAsync(Id(2, Alice), T0.AddMilliseconds(999), T0.AddSeconds(30), None);
        await _index.TouchAsync(Id(3, Bob), T0.AddSeconds(1), None);

        (await _index.RemoveIdleAsync(T0.AddSeconds(1), None)).Should().BeEquivalentTo([Id(1, Alice), Id(2, Alice)]);

        (await _index.FindAsync(Hash(1), Alice, None)).Should().BeNull();
        (await _index.ChunksAsync(Id(1, Alice), None)).Should().BeEmpty();
        (await _index.FindAsync(Hash(2), Alice, None)).Should().BeNull();
        (await _index.FindAsync(Hash(3), Bob, None)).Should().NotBeNull();
    }

    [Fact]
    public async Task RemoveIdleAsync_SweepsAtOnce_EachUploadGoesToOneCaller()
    {
        foreach (var n in Enumerable.Range(1, 20))
            await _index.StartAsync(Upload(n, Alice), None);

        var swept = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => _index.RemoveIdleAsync(T0.AddSeconds(1), None))));

        swept.SelectMany(s => s).Should().BeEquivalentTo(Enumerable.Range(1, 20).Select(n => Id(n, Alice)));
    }

    [Fact]
    public async Task UsageAsync_CountsThePubkeysChunkedUploadsButTheAskedOne()
    {
        var blobs = Database.BlobIndex(Clock);
        await blobs.AddAsync(new BlobRecord(Hash(9), 5, "application/octet-stream", 100), [Alice], None);
        await _index.StartAsync(Upload(1, Alice) with { Length = 1000 }, None);
        await _index.StartAsync(Upload(2, Alice) with { Length = 20 }, None);
        await _index.StartAsync(Upload(3, Bob) with { Length = 300 }, None);
        await _index.StartAsync(Upload(1, Bob) with { Length = 700 }, None);
        await _index.StartAsync(Upload(4, null) with { Length = 4000 }, None);

        (await blobs.UsageAsync(Alice, null, None)).Should().Be(new StorageUsage(1025, false));
        (await blobs.UsageAsync(Alice, Hash(1), None)).Should().Be(new StorageUsage(25, false));
        (await blobs.UsageAsync(Alice, Hash(9), None)).Should().Be(new StorageUsage(1025, true));
        (await blobs.UsageAsync(Bob, null, None)).Should().Be(new StorageUsage(1000, false));

        await _index.RemoveAsync(Id(1, Alice), None);

        (await blobs.UsageAsync(Alice, null, None)).Should().Be(new StorageUsage(25, false));
    }

    private static ChunkedUpload Upload(int n, string? owner) => new(Id(n, owner), Hash(n), owner, "video/mp4", 1000, T0, T0);

    /// <summary>The id of the upload of hash <paramref name="n"/> by <paramref name="owner"/>: 32 hex characters, as the rules make them.</summary>
    private static string Id(int n, string? owner) => $"{owner?[..2] ?? "00"}{Hash(n)[34..]}";

    private static string Hash(int n) => n.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0');
}

public sealed class SqliteChunkedUploadIndexContract : ChunkedUploadIndexContract
{
    protected override bool ReleasesClaimsAtStart => true;

    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresChunkedUploadIndexContract(PostgresServer server) : ChunkedUploadIndexContract
{
    // Other nodes may be completing uploads while this one starts: their claims lapse instead.
    protected override bool ReleasesClaimsAtStart => false;

    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
