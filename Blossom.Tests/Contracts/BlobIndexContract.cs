using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IBlobIndex"/> does, whatever database it keeps its rows in.</summary>
public abstract class BlobIndexContract : ContractSuite
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";
    private IBlobIndex _index = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _index = CreateIndex(Database);
    }

    /// <summary>The index under test on <paramref name="database"/>.</summary>
    protected virtual IBlobIndex CreateIndex(ContractDatabase database) => database.BlobIndex(Clock);

    [Fact]
    public async Task FindAsync_UnknownBlob_Null() =>
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().BeNull();

    [Fact]
    public async Task AddAsync_NewBlob_FoundWithEveryFieldAndItsOwners()
    {
        var blob = new BlobRecord(Hash(1), 1234, "image/png", 100, 640, 480, "LKO2?U%2Tw=w", Hash(9));

        var stored = await _index.AddAsync(blob, [Alice, Bob], CancellationToken.None);

        stored.Should().Be(blob);
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().Be(blob);
        (await _index.OwnersAsync(Hash(1), CancellationToken.None)).Should().BeEquivalentTo([Alice, Bob]);
    }

    [Fact]
    public async Task AddAsync_KnownBlob_KeepsTheFirstRecordAndAddsTheOwner()
    {
        var first = await _index.AddAsync(Blob(1, uploaded: 100), [Alice], CancellationToken.None);

        var again = await _index.AddAsync(Blob(1, uploaded: 200) with { Type = "text/plain" }, [Bob], CancellationToken.None);

        again.Should().Be(first);
        (await _index.OwnersAsync(Hash(1), CancellationToken.None)).Should().Equal(Alice, Bob);
    }

    [Fact]
    public async Task ListAsync_PagesWithCursor_NewestFirstHashBreakingTies()
    {
        foreach (var (n, uploaded) in new[] { (1, 100L), (2, 300L), (3, 200L), (4, 200L), (5, 50L) })
            await _index.AddAsync(Blob(n, uploaded), [Alice], CancellationToken.None);
        await _index.AddAsync(Blob(6, 400), [Bob], CancellationToken.None);

        var seen = new List<string>();
        string? cursor = null;
        while (true)
        {
            var page = await _index.ListAsync(new BlobListQuery(Alice, cursor, 2, null, null), CancellationToken.None);
            page.Should().NotBeNull();
            if (page!.Count == 0) break;
            seen.AddRange(page.Select(b => b.Sha256));
            cursor = page[^1].Sha256;
        }

        seen.Should().Equal(Hash(2), Hash(4), Hash(3), Hash(1), Hash(5));
    }

    [Fact]
    public async Task ListAsync_SinceAndUntil_InclusiveRange()
    {
        foreach (var (n, uploaded) in new[] { (1, 100L), (2, 200L), (3, 300L), (4, 400L) })
            await _index.AddAsync(Blob(n, uploaded), [Alice], CancellationToken.None);

        var page = await _index.ListAsync(new BlobListQuery(Alice, null, 10, Since: 200, Until: 300), CancellationToken.None);

        page!.Select(b => b.Sha256).Should().Equal(Hash(3), Hash(2));
    }

    [Fact]
    public async Task ListAsync_CursorNotOwnedByThePubkey_Null()
    {
        await _index.AddAsync(Blob(1, 100), [Bob], CancellationToken.None);

        (await _index.ListAsync(new BlobListQuery(Alice, Hash(1), 10, null, null), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task RemoveOwnerAsync_EachOutcome()
    {
        Clock.UnixSeconds = 1000;
        await _index.AddAsync(Blob(1, 100), [Alice, Bob], CancellationToken.None);

        (await _index.RemoveOwnerAsync(Hash(2), Alice, 2000, CancellationToken.None)).Should().Be(OwnerRemoval.BlobNotFound);
        (await _index.RemoveOwnerAsync(Hash(1), Hash(7), 2000, CancellationToken.None)).Should().Be(OwnerRemoval.NotOwner);
        (await _index.RemoveOwnerAsync(Hash(1), Alice, 999, CancellationToken.None)).Should().Be(OwnerRemoval.AuthorizedBeforeUpload);
        (await _index.RemoveOwnerAsync(Hash(1), Alice, 1000, CancellationToken.None)).Should().Be(OwnerRemoval.Removed);
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().NotBeNull("Bob still owns it");
        (await _index.RemoveOwnerAsync(Hash(1), Bob, 1000, CancellationToken.None)).Should().Be(OwnerRemoval.RemovedLastOwner);
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task RemoveOwnerAsync_SignedBeforeTheOwnersRepeatedUpload_KeepsIt()
    {
        Clock.UnixSeconds = 1000;
        await _index.AddAsync(Blob(1, 100), [Alice], CancellationToken.None);
        Clock.UnixSeconds = 2000;
        await _index.AddAsync(Blob(1, 100), [Alice], CancellationToken.None);

        (await _index.RemoveOwnerAsync(Hash(1), Alice, 1500, CancellationToken.None)).Should().Be(OwnerRemoval.AuthorizedBeforeUpload);
        (await _index.RemoveOwnerAsync(Hash(1), Alice, 2000, CancellationToken.None)).Should().Be(OwnerRemoval.RemovedLastOwner);
    }

    [Fact]
    public async Task RemoveOwnerAsync_AllOwnersAtOnce_TheBlobGoesExactlyOnce()
    {
        var owners = Enumerable.Range(10, 8).Select(Hash).ToList();
        await _index.AddAsync(Blob(1, 100), owners, CancellationToken.None);

        var outcomes = await Task.WhenAll(owners.Select(o => Task.Run(() => _index.RemoveOwnerAsync(Hash(1), o, Clock.UnixSeconds, CancellationToken.None))));

        outcomes.Count(o => o == OwnerRemoval.RemovedLastOwner).Should().Be(1);
        outcomes.Count(o => o == OwnerRemoval.Removed).Should().Be(owners.Count - 1);
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task SetMetadataAsync_KnownBlob_FoundWithIt()
    {
        await _index.AddAsync(Blob(1, 100), [Alice], CancellationToken.None);
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().Be(Blob(1, 100));

        await _index.SetMetadataAsync(Hash(1), new BlobMetadata(1920, 1080, "LEHV6nWB2yk8"), CancellationToken.None);

        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().Be(Blob(1, 100) with { Width = 1920, Height = 1080, Blurhash = "LEHV6nWB2yk8" });
    }

    [Fact]
    public async Task TotalsAsync_EveryBlobOnceWhateverItsOwners()
    {
        (await _index.TotalsAsync(CancellationToken.None)).Should().Be(new BlobTotals(0, 0));
        await _index.AddAsync(Blob(1, 100) with { Size = 3_000_000_000 }, [Alice], CancellationToken.None);
        await _index.AddAsync(Blob(2, 100) with { Size = 5 }, [Alice, Bob], CancellationToken.None);
        await _index.AddAsync(Blob(3, 100) with { Size = 7 }, [], CancellationToken.None);

        (await _index.TotalsAsync(CancellationToken.None)).Should().Be(new BlobTotals(3, 3_000_000_012));
    }

    [Fact]
    public async Task UsageAsync_SumsThePubkeysBlobsAndTellsWhetherItOwnsOne()
    {
        await _index.AddAsync(Blob(1, 100) with { Size = 3_000_000_000 }, [Alice], CancellationToken.None);
        await _index.AddAsync(Blob(2, 100) with { Size = 5 }, [Alice, Bob], CancellationToken.None);

        (await _index.UsageAsync(Alice, Hash(2), CancellationToken.None)).Should().Be(new StorageUsage(3_000_000_005, true));
        (await _index.UsageAsync(Bob, Hash(1), CancellationToken.None)).Should().Be(new StorageUsage(5, false));
        (await _index.UsageAsync(Hash(7), null, CancellationToken.None)).Should().Be(new StorageUsage(0, false));
    }

    [Fact]
    public async Task UsageAsync_RepeatedUploadAndSecondOwner_CountEachOwnerOnce()
    {
        Clock.UnixSeconds = 1000;
        await _index.AddAsync(Blob(1, 100), [Alice], CancellationToken.None);
        Clock.UnixSeconds = 2000;
        await _index.AddAsync(Blob(1, 100), [Alice], CancellationToken.None);
        await _index.AddAsync(Blob(1, 100), [Bob], CancellationToken.None);
        await _index.AddAsync(Blob(2, 100), [Alice, Bob], CancellationToken.None);

        (await _index.UsageAsync(Alice, null, CancellationToken.None)).Should().Be(new StorageUsage(Blob(1, 100).Size + Blob(2, 100).Size, false));
        (await _index.UsageAsync(Bob, Hash(1), CancellationToken.None)).Should().Be(new StorageUsage(Blob(1, 100).Size + Blob(2, 100).Size, true));
    }

    [Fact]
    public async Task UsageAsync_OwnersRemovedOneByOne_EachLosesTheBlobsSize()
    {
        await _index.AddAsync(Blob(1, 100), [Alice, Bob], CancellationToken.None);
        await _index.AddAsync(Blob(2, 100), [Alice, Bob], CancellationToken.None);

        (await _index.RemoveOwnerAsync(Hash(1), Alice, Clock.UnixSeconds, CancellationToken.None)).Should().Be(OwnerRemoval.Removed);
        (await _index.UsageAsync(Alice, Hash(1), CancellationToken.None)).Should().Be(new StorageUsage(Blob(2, 100).Size, false));
        (await _index.UsageAsync(Bob, null, CancellationToken.None)).Should().Be(new StorageUsage(Blob(1, 100).Size + Blob(2, 100).Size, false));

        (await _index.RemoveOwnerAsync(Hash(1), Bob, Clock.UnixSeconds, CancellationToken.None)).Should().Be(OwnerRemoval.RemovedLastOwner);
        (await _index.UsageAsync(Bob, null, CancellationToken.None)).Should().Be(new StorageUsage(Blob(2, 100).Size, false));
        (await _index.UsageAsync(Alice, null, CancellationToken.None)).Should().Be(new StorageUsage(Blob(2, 100).Size, false));
    }

    [Fact]
    public async Task UsageAsync_OperatorRemovesABlob_EveryOwnerLosesItsSize()
    {
        await _index.AddAsync(Blob(1, 100), [Alice, Bob], CancellationToken.None);
        await _index.AddAsync(Blob(2, 100), [Alice], CancellationToken.None);

        (await _index.RemoveAsync(Hash(1), CancellationToken.None)).Should().BeTrue();

        (await _index.UsageAsync(Alice, Hash(1), CancellationToken.None)).Should().Be(new StorageUsage(Blob(2, 100).Size, false));
        (await _index.UsageAsync(Bob, null, CancellationToken.None)).Should().Be(new StorageUsage(0, false));
        await _index.AddAsync(Blob(1, 100), [Bob], CancellationToken.None);
        (await _index.UsageAsync(Bob, Hash(1), CancellationToken.None)).Should().Be(new StorageUsage(Blob(1, 100).Size, true));
    }

    [Fact]
    public async Task UsageAsync_ImportedTwice_CountsEachOwnerOnce()
    {
        var entry = new OwnedBlob(Blob(1, 100), [new BlobOwner(Alice, 500), new BlobOwner(Bob, 700)]);

        await _index.ImportAsync(entry, CancellationToken.None);
        await _index.ImportAsync(entry, CancellationToken.None);

        (await _index.UsageAsync(Alice, null, CancellationToken.None)).Should().Be(new StorageUsage(Blob(1, 100).Size, false));
        (await _index.UsageAsync(Bob, null, CancellationToken.None)).Should().Be(new StorageUsage(Blob(1, 100).Size, false));
    }

    [Fact]
    public async Task UsageAsync_UploadsAndRemovalsAtOnce_LoseNoBytes()
    {
        for (var n = 1; n <= 8; n++)
            await _index.AddAsync(Blob(n, 100), [Alice, Bob], CancellationToken.None);

        // Alice's new blobs and removals of shared ones change her total at the same time.
        await Task.WhenAll(
            Enumerable.Range(21, 16).Select(n => (Task)Task.Run(() => _index.AddAsync(Blob(n, 100), [Alice], CancellationToken.None)))
                .Concat(Enumerable.Range(1, 4).Select(n => Task.Run(() => _index.RemoveOwnerAsync(Hash(n), Alice, Clock.UnixSeconds, CancellationToken.None))))
                .Concat(Enumerable.Range(5, 4).Select(n => Task.Run(() => _index.RemoveAsync(Hash(n), CancellationToken.None)))));

        var expected = Enumerable.Range(21, 16).Sum(n => Blob(n, 100).Size);
        (await _index.UsageAsync(Alice, null, CancellationToken.None)).Should().Be(new StorageUsage(expected, false));
        (await _index.UsageAsync(Bob, null, CancellationToken.None)).Should().Be(new StorageUsage(Enumerable.Range(1, 4).Sum(n => Blob(n, 100).Size), false));
    }

    [Fact]
    public async Task ListAllAsync_PagesEveryBlobWithItsOwners()
    {
        await _index.AddAsync(Blob(1, 100), [Alice], CancellationToken.None);
        await _index.AddAsync(Blob(2, 200), [Alice, Bob], CancellationToken.None);
        await _index.AddAsync(Blob(3, 300), [Bob], CancellationToken.None);

        var first = await _index.ListAllAsync(null, 2, CancellationToken.None);
        var second = await _index.ListAllAsync(first[^1].Blob.Sha256, 2, CancellationToken.None);

        first.Select(b => (b.Blob.Sha256, string.Join(',', b.Owners.Select(o => o.Pubkey).Order()))).Should().Equal((Hash(3), Bob), (Hash(2), string.Join(',', new[] { Alice, Bob }.Order())));
        second.Select(b => (b.Blob, b.Owners.Single())).Should().Equal((Blob(1, 100), new BlobOwner(Alice, Clock.UnixSeconds)));
    }

    [Fact]
    public async Task ImportAsync_ListedEntry_FoundListedAndOwnedSinceTheGivenTimes()
    {
        var record = new BlobRecord(Hash(1), 1234, "image/png", 100, 640, 480, "LKO2?U%2Tw=w", Hash(9));
        var entry = new OwnedBlob(record, [new BlobOwner(Alice, 500), new BlobOwner(Bob, 700)]);

        await _index.ImportAsync(entry, CancellationToken.None);

        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().Be(record);
        (await _index.ListAllAsync(null, 10, CancellationToken.None)).Should().ContainSingle().Which.Should().BeEquivalentTo(entry, o => o.WithStrictOrdering());
        (await _index.ListAsync(new BlobListQuery(Bob, null, 10, null, null), CancellationToken.None)).Should().Equal(record);
        (await _index.RemoveOwnerAsync(Hash(1), Bob, 699, CancellationToken.None)).Should().Be(OwnerRemoval.AuthorizedBeforeUpload);
        (await _index.RemoveOwnerAsync(Hash(1), Alice, 500, CancellationToken.None)).Should().Be(OwnerRemoval.Removed);
    }

    [Fact]
    public async Task ImportAsync_KnownBlobAndOwners_KeepsTheRecordAndEachOwnersLaterTime()
    {
        Clock.UnixSeconds = 1000;
        var first = await _index.AddAsync(Blob(1, 100), [Alice], CancellationToken.None);
        var entry = new OwnedBlob(Blob(1, 50) with { Type = "text/plain" }, [new BlobOwner(Alice, 900), new BlobOwner(Bob, 1100)]);

        await _index.ImportAsync(entry, CancellationToken.None);
        await _index.ImportAsync(entry, CancellationToken.None);

        (await _index.ListAllAsync(null, 10, CancellationToken.None)).Should().ContainSingle().Which.Should().BeEquivalentTo(
            new OwnedBlob(first, [new BlobOwner(Alice, 1000), new BlobOwner(Bob, 1100)]), o => o.WithStrictOrdering());
        (await _index.ListAsync(new BlobListQuery(Bob, null, 10, null, null), CancellationToken.None)).Should().Equal(first);
    }

    [Fact]
    public async Task RemoveAsync_DropsTheBlobAndItsOwners_FalseWhenUnknown()
    {
        await _index.AddAsync(Blob(1, 100), [Alice, Bob], CancellationToken.None);
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().NotBeNull();

        (await _index.RemoveAsync(Hash(1), CancellationToken.None)).Should().BeTrue();
        (await _index.FindAsync(Hash(1), CancellationToken.None)).Should().BeNull();
        (await _index.RemoveAsync(Hash(1), CancellationToken.None)).Should().BeFalse();
        (await _index.OwnersAsync(Hash(1), CancellationToken.None)).Should().BeEmpty();
        (await _index.ListAsync(new BlobListQuery(Alice, null, 10, null, null), CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task SetAccessedAsync_KeepsTheLatestFetchOfEachBlob()
    {
        await _index.AddAsync(Blob(1, uploaded: 100), [Alice], CancellationToken.None);
        await _index.AddAsync(Blob(2, uploaded: 100), [Alice], CancellationToken.None);
        (await _index.FindAsync(Hash(1), CancellationToken.None))!.Accessed.Should().BeNull("nothing was fetched yet");

        await _index.SetAccessedAsync([new BlobFetch(Hash(1), 500), new BlobFetch(Hash(2), 300), new BlobFetch(Hash(7), 900)], CancellationToken.None);
        await _index.SetAccessedAsync([new BlobFetch(Hash(1), 400)], CancellationToken.None);

        (await _index.FindAsync(Hash(1), CancellationToken.None))!.Accessed.Should().Be(500, "an earlier fetch written late does not move the time back");
        (await _index.FindAsync(Hash(2), CancellationToken.None))!.Accessed.Should().Be(300);
        (await _index.ListAllAsync(null, 10, CancellationToken.None)).Select(b => b.Blob.Accessed).Should().BeEquivalentTo([500L, 300L]);
        (await _index.FindAsync(Hash(7), CancellationToken.None)).Should().BeNull("a fetch of an unknown blob is passed over");
    }

    [Fact]
    public async Task OwnersOfAsync_EachBlobsOwnersWithTheirTimes()
    {
        Clock.UnixSeconds = 1000;
        await _index.AddAsync(Blob(1, uploaded: 100), [Alice], CancellationToken.None);
        Clock.UnixSeconds = 2000;
        await _index.AddAsync(Blob(1, uploaded: 100), [Bob], CancellationToken.None);
        await _index.AddAsync(Blob(2, uploaded: 100), [], CancellationToken.None);

        var owners = await _index.OwnersOfAsync([Hash(1), Hash(2), Hash(3)], CancellationToken.None);

        owners[Hash(1)].Should().Equal(new BlobOwner(Alice, 1000), new BlobOwner(Bob, 2000));
        owners[Hash(2)].Should().BeEmpty();
        owners[Hash(3)].Should().BeEmpty();
    }

    [Fact]
    public async Task CheckReachableAsync_MigratedDatabase_Completes() =>
        await _index.CheckReachableAsync(CancellationToken.None);

    /// <summary>A distinct valid hash per number.</summary>
    [Fact]
    public async Task OwnerUsagesAsync_EachOwnersBytesAndBlobs_ByOwnerIdPastTheCursor_WithoutFormerOwners()
    {
        const string Carol = "cc00000000000000000000000000000000000000000000000000000000000000";
        await _index.AddAsync(Blob(1, 100), [Alice, Bob], CancellationToken.None);
        await _index.AddAsync(Blob(2, 100), [Bob], CancellationToken.None);
        await _index.AddAsync(Blob(3, 100), [Carol], CancellationToken.None);
        await _index.RemoveOwnerAsync(Hash(3), Carol, long.MaxValue, CancellationToken.None);

        var all = await _index.OwnerUsagesAsync(null, 10, CancellationToken.None);
        var afterAlice = await _index.OwnerUsagesAsync(Alice, 10, CancellationToken.None);

        all.Should().Equal(new OwnerUsage(Alice, 11, 1), new OwnerUsage(Bob, 11 + 12, 2));
        afterAlice.Should().Equal(new OwnerUsage(Bob, 23, 2));
    }

    private static string Hash(int n) => n.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0');

    private static BlobRecord Blob(int n, long uploaded) => new(Hash(n), 10 + n, "application/octet-stream", uploaded);
}

public sealed class SqliteBlobIndexContract : BlobIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

/// <summary>The record cache the server puts in front of SQLite: every answer as the index's own, right after each change.</summary>
public sealed class CachingBlobIndexContract : BlobIndexContract, IDisposable
{
    private readonly List<CachingBlobIndex> _caches = [];

    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();

    protected override IBlobIndex CreateIndex(ContractDatabase database)
    {
        var cache = new CachingBlobIndex(base.CreateIndex(database), capacity: 100);
        _caches.Add(cache);
        return cache;
    }

    public void Dispose() => _caches.ForEach(c => c.Dispose());
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresBlobIndexContract(PostgresServer server) : BlobIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
