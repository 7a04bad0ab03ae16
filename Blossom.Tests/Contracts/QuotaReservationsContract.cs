using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Contracts;

/// <summary>What every <see cref="IQuotaReservations"/> promises, run against each implementation.</summary>
public abstract class QuotaReservationsContract : ContractSuite
{
    protected const long Quota = 3000;
    protected const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    protected IBlobIndex Index { get; private set; } = null!;

    /// <summary>The quota as one node applies it; each call is another node.</summary>
    protected IQuotaReservations Node() => Database.Quotas(Index, Quota);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Index = Database.BlobIndex(Clock);
    }

    [Fact]
    public async Task Reserve_WithinTheQuota_Granted()
    {
        await using var reservation = await Node().ReserveAsync(Alice, null, 3000, CancellationToken.None);

        reservation.Granted.Should().BeTrue();
    }

    [Fact]
    public async Task Reserve_BeyondWhatTheOwnersBlobsLeave_RefusedWithTheFigures()
    {
        await Index.AddAsync(Blob(1, 2000), [Alice], CancellationToken.None);

        await using var reservation = await Node().ReserveAsync(Alice, null, 2000, CancellationToken.None);

        reservation.Granted.Should().BeFalse();
        (reservation.UsedBytes, reservation.RequestedBytes).Should().Be((2000L, 2000L));
    }

    [Fact]
    public async Task Reserve_BlobTheOwnerHasAlready_CostsNothing()
    {
        await Index.AddAsync(Blob(1, 2000), [Alice], CancellationToken.None);

        await using var reservation = await Node().ReserveAsync(Alice, Hash(1), 2000, CancellationToken.None);

        reservation.Granted.Should().BeTrue();
    }

    [Fact]
    public async Task Reserve_WithoutPubkeyOrSize_Granted()
    {
        var quotas = Node();
        await using var anonymous = await quotas.ReserveAsync(null, null, 1_000_000, CancellationToken.None);
        await using var unknownSize = await quotas.ReserveAsync(Alice, null, null, CancellationToken.None);

        anonymous.Granted.Should().BeTrue();
        unknownSize.Granted.Should().BeTrue();
    }

    [Fact]
    public async Task Resize_RefusedWrite_LeavesItsRoomToOthers()
    {
        var quotas = Node();
        await using var large = await quotas.ReserveAsync(Alice, null, null, CancellationToken.None);
        await using var small = await quotas.ReserveAsync(Alice, null, null, CancellationToken.None);

        (await large.ResizeAsync(Hash(1), 4000, CancellationToken.None)).Should().BeFalse();
        (await small.ResizeAsync(Hash(2), 3000, CancellationToken.None).WaitAsync(Deadline)).Should().BeTrue();
    }

    [Fact]
    public async Task Resize_TwoWritesThatFitOnlyOneAtATime_TheSecondIsRefused()
    {
        var quotas = Node();

        await OnlyOneOfTwoFitsAsync(quotas, quotas);
    }

    [Fact]
    public async Task Resize_MatrixUserIdAsOwner_HeldLikeAPubkey()
    {
        var quotas = Node();

        await OnlyOneOfTwoFitsAsync(quotas, quotas, "@alice:example.org");
    }

    /// <summary>
    /// Two writes of 2000 bytes into a quota of 3000, through <paramref name="first"/> and
    /// <paramref name="second"/>: the first is granted and commits; the second, decided while the first
    /// holds its room, is refused and counts the first's bytes, whether it waited or not.
    /// </summary>
    protected async Task OnlyOneOfTwoFitsAsync(IQuotaReservations first, IQuotaReservations second, string owner = Alice)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var one = await first.ReserveAsync(owner, null, null, CancellationToken.None);
        await using var two = await second.ReserveAsync(owner, null, null, CancellationToken.None);

        (await one.ResizeAsync(Hash(1), 2000, CancellationToken.None)).Should().BeTrue();
        var decided = two.ResizeAsync(Hash(2), 2000, CancellationToken.None);
        await Index.AddAsync(Blob(1, 2000), [owner], CancellationToken.None);
        await one.DisposeAsync();

        (await decided.WaitAsync(Deadline)).Should().BeFalse();
        two.UsedBytes.Should().Be(2000);
    }

    protected static string Hash(int n) => n.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0');

    protected static BlobRecord Blob(int n, long size) => new(Hash(n), size, "application/octet-stream", 100);
}

/// <summary>With SQLite the server is one process, and reservations are in its memory.</summary>
public sealed class SqliteQuotaReservationsContract : QuotaReservationsContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();

    [Fact]
    public async Task Resize_AWriteLandsAndLetsGoWhileAnotherReadsTheIndex_ItsBytesStillCount()
    {
        // A write lets go of its room without the pubkey's stripe, so it may land and let go just
        // after another write's check has read the index: that check must still count it.
        Func<Task>? landing = null;
        var quotas = Database.Quotas(BlobIndexAfterUsage.Create(Index, () => Interlocked.Exchange(ref landing, null)?.Invoke() ?? Task.CompletedTask), Quota);
        var one = await quotas.ReserveAsync(Alice, null, 2000, CancellationToken.None);
        await using var two = await quotas.ReserveAsync(Alice, null, null, CancellationToken.None);
        landing = async () =>
        {
            await Index.AddAsync(Blob(1, 2000), [Alice], CancellationToken.None);
            await one.DisposeAsync();
        };

        (await two.ResizeAsync(Hash(2), 2000, CancellationToken.None)).Should().BeFalse();
        two.UsedBytes.Should().Be(2000);
    }
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresQuotaReservationsContract(PostgresServer server) : QuotaReservationsContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);

    [Fact]
    public Task Resize_TwoWritesOnTwoNodesThatFitOnlyOneAtATime_TheSecondIsRefused() => OnlyOneOfTwoFitsAsync(Node(), Node());
}
