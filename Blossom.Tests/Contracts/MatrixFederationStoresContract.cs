using Blossom.Core.Matrix;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What the remote media cache's index and the quarantine do, whatever database keeps their rows.</summary>
public abstract class MatrixFederationStoresContract : ContractSuite
{
    private const string Remote = "remote.example";
    private const string Other = "other.example:8448";
    private const string BlobA = "0a00000000000000000000000000000000000000000000000000000000000000";
    private const string BlobB = "0b00000000000000000000000000000000000000000000000000000000000000";
    private IMatrixRemoteMediaIndex _remote = null!;
    private IMatrixQuarantine _quarantine = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _remote = Database.MatrixRemoteMedia();
        _quarantine = Database.MatrixQuarantine();
    }

    private DateTimeOffset Now => DateTimeOffset.FromUnixTimeMilliseconds(Clock.GetUtcNow().ToUnixTimeMilliseconds());

    private MatrixRemoteMedia Media(string server, string mediaId, string sha256, long size, TimeSpan ago) =>
        new(server, mediaId, sha256, "image/png", "cat.png", size, Now - ago, Now - ago);

    [Fact]
    public async Task AddAsync_ThenFindAsync_ByServerAndId_ReplacingAnEarlierFetch()
    {
        var media = Media(Remote, "abc", BlobA, 100, TimeSpan.Zero);
        await _remote.AddAsync(media, CancellationToken.None);

        (await _remote.FindAsync(Remote, "abc", CancellationToken.None)).Should().Be(media);
        (await _remote.FindAsync(Other, "abc", CancellationToken.None)).Should().BeNull("the same id on another server is other media");

        var refetched = media with { Sha256 = BlobB, Size = 200, FileName = null };
        await _remote.AddAsync(refetched, CancellationToken.None);
        (await _remote.FindAsync(Remote, "abc", CancellationToken.None)).Should().Be(refetched);
    }

    [Fact]
    public async Task FindWithThumbnailsAsync_TheMediaAndTheRemotesThumbnailsOfIt_NotItsNamesakes()
    {
        await _remote.AddAsync(Media(Remote, "a_b", BlobA, 10, TimeSpan.Zero), CancellationToken.None);
        await _remote.AddAsync(Media(Remote, "a_b/thumbnail/96x96/crop", BlobB, 5, TimeSpan.Zero), CancellationToken.None);
        await _remote.AddAsync(Media(Remote, "axb/thumbnail/96x96/crop", BlobB, 5, TimeSpan.Zero), CancellationToken.None);
        await _remote.AddAsync(Media(Remote, "a_bc", BlobB, 5, TimeSpan.Zero), CancellationToken.None);
        await _remote.AddAsync(Media(Other, "a_b/thumbnail/32x32/scale", BlobB, 5, TimeSpan.Zero), CancellationToken.None);

        (await _remote.FindWithThumbnailsAsync(Remote, "a_b", CancellationToken.None)).Select(m => m.MediaId).Should().Equal("a_b", "a_b/thumbnail/96x96/crop");
    }

    [Fact]
    public async Task TouchAsync_MovesMediaBehindTheOthersInTheLeastRecentList_NeverBack()
    {
        await _remote.AddAsync(Media(Remote, "old", BlobA, 10, TimeSpan.FromDays(3)), CancellationToken.None);
        await _remote.AddAsync(Media(Remote, "mid", BlobB, 20, TimeSpan.FromDays(2)), CancellationToken.None);
        await _remote.AddAsync(Media(Other, "new", BlobB, 30, TimeSpan.FromDays(1)), CancellationToken.None);

        await _remote.TouchAsync(Remote, "old", Now, CancellationToken.None);
        await _remote.TouchAsync(Remote, "mid", Now - TimeSpan.FromDays(5), CancellationToken.None);

        (await _remote.ListLeastRecentAsync(null, null, 10, CancellationToken.None)).Select(m => m.MediaId).Should().Equal("mid", "new", "old");
        (await _remote.ListLeastRecentAsync(null, null, 1, CancellationToken.None)).Select(m => m.MediaId).Should().Equal("mid");
        (await _remote.ListLeastRecentAsync(Remote, null, 10, CancellationToken.None)).Select(m => m.MediaId).Should().Equal("mid", "old");
        (await _remote.ListLeastRecentAsync(null, Now - TimeSpan.FromHours(1), 10, CancellationToken.None)).Select(m => m.MediaId).Should().Equal("mid", "new");
        (await _remote.TotalsAsync(CancellationToken.None)).Should().Be((3L, 60L));
    }

    [Fact]
    public async Task RemoveAsync_ForgetsTheMedia_HoldsBlobAsyncSaysWhetherOthersStillNameItsBlob()
    {
        await _remote.AddAsync(Media(Remote, "one", BlobA, 10, TimeSpan.Zero), CancellationToken.None);
        await _remote.AddAsync(Media(Other, "two", BlobA, 10, TimeSpan.Zero), CancellationToken.None);

        (await _remote.RemoveAsync(Remote, "one", CancellationToken.None)).Should().BeTrue();
        (await _remote.RemoveAsync(Remote, "one", CancellationToken.None)).Should().BeFalse();
        (await _remote.HoldsBlobAsync(BlobA, CancellationToken.None)).Should().BeTrue();
        (await _remote.RemoveAsync(Other, "two", CancellationToken.None)).Should().BeTrue();
        (await _remote.HoldsBlobAsync(BlobA, CancellationToken.None)).Should().BeFalse();
        (await _remote.TotalsAsync(CancellationToken.None)).Should().Be((0L, 0L));
    }

    [Fact]
    public async Task ListAsync_InServerThenMediaIdOrder_AfterAPair()
    {
        await _remote.AddAsync(Media(Remote, "b", BlobA, 1, TimeSpan.Zero), CancellationToken.None);
        await _remote.AddAsync(Media(Remote, "a", BlobA, 1, TimeSpan.Zero), CancellationToken.None);
        await _remote.AddAsync(Media(Other, "z", BlobA, 1, TimeSpan.Zero), CancellationToken.None);

        var first = await _remote.ListAsync(null, 2, CancellationToken.None);
        var rest = await _remote.ListAsync((first[^1].ServerName, first[^1].MediaId), 2, CancellationToken.None);

        first.Select(m => (m.ServerName, m.MediaId)).Should().Equal((Other, "z"), (Remote, "a"));
        rest.Select(m => (m.ServerName, m.MediaId)).Should().Equal((Remote, "b"));
    }

    [Fact]
    public async Task Quarantine_OneMediaOrAWholeServer_ListedAndLifted()
    {
        (await _quarantine.AddAsync(Remote, "bad", "spam", Now, CancellationToken.None)).Should().BeTrue();
        (await _quarantine.AddAsync(Remote, "bad", "again", Now, CancellationToken.None)).Should().BeFalse();
        (await _quarantine.IsQuarantinedAsync(Remote, "bad", CancellationToken.None)).Should().BeTrue();
        (await _quarantine.IsQuarantinedAsync(Remote, "good", CancellationToken.None)).Should().BeFalse();

        (await _quarantine.AddAsync(Other, null, null, Now, CancellationToken.None)).Should().BeTrue();
        (await _quarantine.IsQuarantinedAsync(Other, "anything", CancellationToken.None)).Should().BeTrue();

        (await _quarantine.ListAsync(CancellationToken.None)).Should().Equal(
            new MatrixQuarantined(Other, null, null, Now),
            new MatrixQuarantined(Remote, "bad", "spam", Now));

        (await _quarantine.RemoveAsync(Other, "anything", CancellationToken.None)).Should().BeFalse("a server's quarantine is lifted as a whole");
        (await _quarantine.RemoveAsync(Other, null, CancellationToken.None)).Should().BeTrue();
        (await _quarantine.IsQuarantinedAsync(Other, "anything", CancellationToken.None)).Should().BeFalse();
        (await _quarantine.RemoveAsync(Remote, "bad", CancellationToken.None)).Should().BeTrue();
        (await _quarantine.ListAsync(CancellationToken.None)).Should().BeEmpty();
    }
}

public sealed class SqliteMatrixFederationStoresContract : MatrixFederationStoresContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresMatrixFederationStoresContract(PostgresServer server) : MatrixFederationStoresContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
