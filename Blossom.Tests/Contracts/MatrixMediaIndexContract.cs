using Blossom.Core.Matrix;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IMatrixMediaIndex"/> does, whatever database it keeps its rows in.</summary>
public abstract class MatrixMediaIndexContract : ContractSuite
{
    private const string Alice = "@alice:example.org";
    private const string Bob = "@bob:example.org";
    private const string Blob = "0100000000000000000000000000000000000000000000000000000000000000";
    private static readonly TimeSpan Expiry = TimeSpan.FromHours(24);
    private IMatrixMediaIndex _media = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _media = Database.MatrixMedia();
    }

    private DateTimeOffset Now => Clock.GetUtcNow();

    private MatrixMedia Pending(string mediaId, string owner = Alice) =>
        new(mediaId, owner, null, null, null, Now, Now + Expiry, null);

    [Fact]
    public async Task CreatePendingAsync_ThenFindAsync_IsPendingWithItsExpiry()
    {
        var created = Pending("pending0000000000000000a");

        (await _media.CreatePendingAsync(created, 10, CancellationToken.None)).Should().BeTrue();

        var found = await _media.FindAsync(created.MediaId, CancellationToken.None);
        found.Should().Be(created);
        found!.IsUploaded.Should().BeFalse();
        (await _media.FindAsync("unknown00000000000000000", CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task CreatePendingAsync_AtTheLimit_Refused_UntilOneExpiresOrIsUploaded()
    {
        (await _media.CreatePendingAsync(Pending("first0000000000000000000"), 2, CancellationToken.None)).Should().BeTrue();
        Clock.UnixSeconds += 10;
        (await _media.CreatePendingAsync(Pending("second000000000000000000"), 2, CancellationToken.None)).Should().BeTrue();
        (await _media.CreatePendingAsync(Pending("third0000000000000000000"), 2, CancellationToken.None)).Should().BeFalse();
        (await _media.CreatePendingAsync(Pending("bobs00000000000000000000", Bob), 2, CancellationToken.None)).Should().BeTrue("the limit is per user");
        (await _media.FindAsync("third0000000000000000000", CancellationToken.None)).Should().BeNull();

        (await _media.CompleteAsync("second000000000000000000", Alice, Blob, "image/png", null, Now, CancellationToken.None)).Should().BeTrue();
        (await _media.CreatePendingAsync(Pending("third0000000000000000000"), 2, CancellationToken.None)).Should().BeTrue("an uploaded id waits no more");
        (await _media.CreatePendingAsync(Pending("fourth000000000000000000"), 2, CancellationToken.None)).Should().BeFalse();

        Clock.UnixSeconds += (long)Expiry.TotalSeconds - 10;
        (await _media.CreatePendingAsync(Pending("fourth000000000000000000"), 2, CancellationToken.None)).Should().BeTrue("an expired id counts no more, swept or not");
    }

    [Fact]
    public async Task CreatePendingAsync_ManyAtOnceForOneUser_NeverPassTheLimit()
    {
        // Each call its own index, as each node has its own.
        var attempts = Enumerable.Range(0, 12).Select(i =>
            Database.MatrixMedia().CreatePendingAsync(Pending($"concurrent{i:D14}"), 3, CancellationToken.None));

        var created = await Task.WhenAll(attempts);

        created.Count(c => c).Should().Be(3);
        (await _media.PendingCountAsync(Alice, Now, CancellationToken.None)).Should().Be(3);
    }

    [Fact]
    public async Task CompleteAsync_PendingOfThatOwner_GivesItsBlob_Once()
    {
        var created = Pending("complete0000000000000000");
        await _media.CreatePendingAsync(created, 10, CancellationToken.None);
        Clock.UnixSeconds += 5;

        (await _media.CompleteAsync(created.MediaId, Bob, Blob, "image/png", "cat.png", Now, CancellationToken.None)).Should().BeFalse("another user's id");
        (await _media.CompleteAsync(created.MediaId, Alice, Blob, "image/png", "cat.png", Now, CancellationToken.None)).Should().BeTrue();
        (await _media.CompleteAsync(created.MediaId, Alice, Blob, "text/plain", "again.txt", Now, CancellationToken.None)).Should().BeFalse("already uploaded");
        (await _media.CompleteAsync("unknown00000000000000000", Alice, Blob, "image/png", null, Now, CancellationToken.None)).Should().BeFalse();

        (await _media.FindAsync(created.MediaId, CancellationToken.None)).Should().Be(
            created with { Sha256 = Blob, ContentType = "image/png", FileName = "cat.png", Uploaded = Now });
    }

    [Fact]
    public async Task CompleteAsync_Expired_Refused()
    {
        var created = Pending("expired00000000000000000");
        await _media.CreatePendingAsync(created, 10, CancellationToken.None);
        Clock.UnixSeconds += (long)Expiry.TotalSeconds;

        (await _media.CompleteAsync(created.MediaId, Alice, Blob, "image/png", null, Now, CancellationToken.None)).Should().BeFalse();
        (await _media.FindAsync(created.MediaId, CancellationToken.None))!.IsExpired(Now).Should().BeTrue();
    }

    [Fact]
    public async Task AddUploadedAsync_FindAsync_ReturnsIt_SameBlobUnderTwoIds()
    {
        var first = new MatrixMedia("uploaded0000000000000001", Alice, Blob, "text/plain", "a \"quoted\" näme.txt", Now, null, Now);
        var second = first with { MediaId = "uploaded0000000000000002", Owner = Bob, FileName = null };

        await _media.AddUploadedAsync(first, CancellationToken.None);
        await _media.AddUploadedAsync(second, CancellationToken.None);

        (await _media.FindAsync(first.MediaId, CancellationToken.None)).Should().Be(first);
        (await _media.FindAsync(second.MediaId, CancellationToken.None)).Should().Be(second);
        (await _media.PendingCountAsync(Alice, Now, CancellationToken.None)).Should().Be(0);
    }

    [Fact]
    public async Task PendingCountAndNextExpiry_OnlyThatUsersUnexpiredPendingIds()
    {
        await _media.CreatePendingAsync(Pending("early0000000000000000000"), 10, CancellationToken.None);
        var early = Now + Expiry;
        Clock.UnixSeconds += 60;
        await _media.CreatePendingAsync(Pending("late00000000000000000000"), 10, CancellationToken.None);
        await _media.CreatePendingAsync(Pending("bobs00000000000000000000", Bob), 10, CancellationToken.None);

        (await _media.PendingCountAsync(Alice, Now, CancellationToken.None)).Should().Be(2);
        (await _media.NextPendingExpiryAsync(Alice, Now, CancellationToken.None)).Should().Be(early);

        Clock.UnixSeconds += (long)Expiry.TotalSeconds - 60;
        (await _media.PendingCountAsync(Alice, Now, CancellationToken.None)).Should().Be(1);
        (await _media.NextPendingExpiryAsync(Alice, Now, CancellationToken.None)).Should().Be(Now + TimeSpan.FromSeconds(60));
        (await _media.NextPendingExpiryAsync("@carol:example.org", Now, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task RemoveExpiredAsync_OnlyExpiredPendingIds_ReturnsThem()
    {
        await _media.CreatePendingAsync(Pending("old000000000000000000000"), 10, CancellationToken.None);
        await _media.CreatePendingAsync(Pending("done00000000000000000000"), 10, CancellationToken.None);
        await _media.CompleteAsync("done00000000000000000000", Alice, Blob, "image/png", null, Now, CancellationToken.None);
        await _media.AddUploadedAsync(new MatrixMedia("direct000000000000000000", Alice, Blob, "image/png", null, Now, null, Now), CancellationToken.None);
        Clock.UnixSeconds += (long)Expiry.TotalSeconds - 1;
        await _media.CreatePendingAsync(Pending("fresh0000000000000000000"), 10, CancellationToken.None);
        Clock.UnixSeconds += 1;

        (await _media.RemoveExpiredAsync(Now, CancellationToken.None)).Should().Equal("old000000000000000000000");
        (await _media.RemoveExpiredAsync(Now, CancellationToken.None)).Should().BeEmpty();

        (await _media.FindAsync("old000000000000000000000", CancellationToken.None)).Should().BeNull();
        (await _media.FindAsync("done00000000000000000000", CancellationToken.None)).Should().NotBeNull();
        (await _media.FindAsync("direct000000000000000000", CancellationToken.None)).Should().NotBeNull();
        (await _media.FindAsync("fresh0000000000000000000", CancellationToken.None)).Should().NotBeNull();
    }
}

public sealed class SqliteMatrixMediaIndexContract : MatrixMediaIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresMatrixMediaIndexContract(PostgresServer server) : MatrixMediaIndexContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
