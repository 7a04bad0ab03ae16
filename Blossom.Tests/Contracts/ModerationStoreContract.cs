using Blossom.Core.Moderation;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IModerationStore"/> does, whatever database it keeps its rows in.</summary>
public abstract class ModerationStoreContract : ContractSuite
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";
    private const string BlobA = "0100000000000000000000000000000000000000000000000000000000000000";
    private const string BlobB = "0200000000000000000000000000000000000000000000000000000000000000";
    private IModerationStore _moderation = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _moderation = Database.Moderation(Clock);
    }

    [Fact]
    public async Task BlockAsync_ThenUnblock_ListedNewestFirstWhileBlocked()
    {
        Clock.UnixSeconds = 100;
        await _moderation.BlockAsync(Alice, "spam", CancellationToken.None);
        Clock.UnixSeconds = 200;
        await _moderation.BlockAsync(Bob, "abuse", CancellationToken.None);
        Clock.UnixSeconds = 300;
        await _moderation.BlockAsync(Alice, "spam again", CancellationToken.None);

        (await _moderation.IsBlockedAsync(Alice, CancellationToken.None)).Should().BeTrue();
        (await _moderation.BlockedAsync(CancellationToken.None)).Should().Equal(new BlockedPubkey(Bob, "abuse", 200), new BlockedPubkey(Alice, "spam again", 100));

        (await _moderation.UnblockAsync(Alice, CancellationToken.None)).Should().BeTrue();
        (await _moderation.UnblockAsync(Alice, CancellationToken.None)).Should().BeFalse();
        (await _moderation.IsBlockedAsync(Alice, CancellationToken.None)).Should().BeFalse();
    }

    [Fact]
    public async Task BlockBlobAsync_ThenUnblock_FoundAndListedNewestFirstWhileBlocked()
    {
        Clock.UnixSeconds = 100;
        await _moderation.BlockBlobAsync(BlobA, "illegal", CancellationToken.None);
        Clock.UnixSeconds = 200;
        await _moderation.BlockBlobAsync(BlobB, "", CancellationToken.None);
        Clock.UnixSeconds = 300;
        await _moderation.BlockBlobAsync(BlobA, "malware", CancellationToken.None);

        (await _moderation.FindBlockedBlobAsync(BlobA, CancellationToken.None)).Should().Be(new BlockedBlob(BlobA, "malware", 100));
        (await _moderation.BlockedBlobsAsync(CancellationToken.None)).Should().Equal(new BlockedBlob(BlobB, "", 200), new BlockedBlob(BlobA, "malware", 100));

        (await _moderation.UnblockBlobAsync(BlobA, CancellationToken.None)).Should().BeTrue();
        (await _moderation.UnblockBlobAsync(BlobA, CancellationToken.None)).Should().BeFalse();
        (await _moderation.FindBlockedBlobAsync(BlobA, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task ImportBlockAsync_KeepsItsTime_AnExistingBlockStays()
    {
        Clock.UnixSeconds = 300;
        await _moderation.BlockAsync(Bob, "abuse", CancellationToken.None);

        await _moderation.ImportBlockAsync(new BlockedPubkey(Alice, "spam", 100), CancellationToken.None);
        await _moderation.ImportBlockAsync(new BlockedPubkey(Alice, "spam", 100), CancellationToken.None);
        await _moderation.ImportBlockAsync(new BlockedPubkey(Bob, "other", 50), CancellationToken.None);

        (await _moderation.IsBlockedAsync(Alice, CancellationToken.None)).Should().BeTrue();
        (await _moderation.BlockedAsync(CancellationToken.None)).Should().Equal(new BlockedPubkey(Bob, "abuse", 300), new BlockedPubkey(Alice, "spam", 100));
    }

    [Fact]
    public async Task AddReportAsync_AReportersRepeat_AddsNothing_AnotherReporterCounts()
    {
        var first = Report("e1", Alice, 100);
        (await _moderation.AddReportAsync(first, [new(BlobA, "spam"), new(BlobB, "")], CancellationToken.None)).Should().Equal(BlobA, BlobB);

        (await _moderation.AddReportAsync(Report("e2", Alice, 200), [new(BlobA, "illegal")], CancellationToken.None)).Should().BeEmpty();
        (await _moderation.AddReportAsync(Report("e3", Bob, 300), [new(BlobA, "nudity")], CancellationToken.None)).Should().Equal(BlobA);

        (await _moderation.ReportsAsync(null, 10, CancellationToken.None)).Should().Equal(
            new BlobReport("e3", BlobA, Bob, "nudity", "words", "{}", 300),
            new BlobReport("e1", BlobA, Alice, "spam", "words", "{}", 100),
            new BlobReport("e1", BlobB, Alice, "", "words", "{}", 100));
        (await _moderation.ReportsAsync(BlobB, 10, CancellationToken.None)).Select(r => r.EventId).Should().Equal("e1");
        (await _moderation.ReportsAsync(null, 1, CancellationToken.None)).Should().ContainSingle();
    }

    [Fact]
    public async Task AddReportAsync_SameBlobBySameReporterAtOnce_KeptOnce()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => _moderation.AddReportAsync(Report($"e{i}", Alice, 100 + i), [new(BlobA, "spam")], CancellationToken.None))));

        outcomes.Count(o => o.Count == 1).Should().Be(1);
        (await _moderation.ReportsAsync(null, 10, CancellationToken.None)).Should().ContainSingle();
    }

    private static ReportEvent Report(string id, string reporter, long received) => new(id, reporter, "words", "{}", received);
}

public sealed class SqliteModerationStoreContract : ModerationStoreContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresModerationStoreContract(PostgresServer server) : ModerationStoreContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
