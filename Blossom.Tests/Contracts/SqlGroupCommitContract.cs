using System.Data.Common;
using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Tests.Infrastructure;
using Dapper;

namespace Blossom.Tests.Contracts;

/// <summary>
/// What <see cref="SqlGroupCommit"/> does on either database: rows of every kind queued while a batch
/// commits go into the next batch's one transaction, each caller getting its own result.
/// </summary>
public abstract class SqlGroupCommitContract : ContractSuite
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";

    [Fact]
    public async Task RowsQueuedWhileABatchCommits_OneTransactionEachCallerItsResult()
    {
        var table = Database.SmallBlobs(Clock);
        var index = Database.BlobIndex(Clock);
        var held = await HoldABatchAsync();
        // Parts of the test's own in the next batch, one before the stores' rows and one after them, tell
        // which transaction they ran in, and the later one looks inside it.
        var transactions = new List<DbTransaction>();
        var before = Database.SqlDatabase.Commits.Join<string, long>(SqlBatchedRows.SmallBlobs, (_, transaction, items) =>
        {
            transactions.Add(transaction);
            return Task.FromResult<IReadOnlyList<long>>([.. items.Select(_ => 0L)]);
        });
        var probe = Database.SqlDatabase.Commits.Join<string, long>(SqlBatchedRows.BlobIndex, async (connection, transaction, items) =>
        {
            transactions.Add(transaction);
            var smallRows = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM small_blobs", transaction: transaction);
            return [.. items.Select(_ => smallRows)];
        });
        var opened = before.RunAsync("open");
        var small = BlossomRequests.RandomBlob(100);
        var smallHash = BlossomRequests.Sha256(small);
        var adds = new[] { table.AddAsync(smallHash, small), table.AddAsync(smallHash, small) };
        var shared = new BlobRecord(Hash(2), 20, "image/png", 100);
        var records = new[]
        {
            index.AddAsync(shared, [Alice], CancellationToken.None),
            index.AddAsync(shared with { Uploaded = 200 }, [Bob], CancellationToken.None),
            index.AddAsync(new BlobRecord(Hash(3), 30, "text/plain", 100), [Alice], CancellationToken.None),
        };
        var inside = probe.RunAsync("look");
        await held.ReleaseAsync();

        // Everything queued meanwhile was one transaction, the small blob's row in it before the probe looked.
        await opened;
        (await inside).Should().Be(1);
        transactions.Should().HaveCount(2);
        transactions[1].Should().BeSameAs(transactions[0]);
        (await Task.WhenAll(adds)).Should().BeEquivalentTo([true, false]);
        var stored = await Task.WhenAll(records);
        stored[0].Should().Be(shared);
        stored[1].Should().Be(shared, "a hash twice in one batch keeps its first record");
        stored[2].Should().Be(new BlobRecord(Hash(3), 30, "text/plain", 100));
        (await index.OwnersAsync(Hash(2), CancellationToken.None)).Should().BeEquivalentTo([Alice, Bob]);
        (await index.UsageAsync(Alice, null, CancellationToken.None)).Should().Be(new StorageUsage(50, false));
        (await table.FindAsync(smallHash, CancellationToken.None)).Should().Equal(small);
    }

    [Fact]
    public async Task BatchWithARowTheDatabaseRefuses_FailsThatCallerAlone()
    {
        var table = Database.SmallBlobs(Clock);
        var index = Database.BlobIndex(Clock);
        var held = await HoldABatchAsync();

        var small = BlossomRequests.RandomBlob(100);
        var add = table.AddAsync(BlossomRequests.Sha256(small), small);
        // A type is NOT NULL in both schemas: this row fails the batch, and only its own caller.
        var refused = index.AddAsync(new BlobRecord(Hash(4), 40, null!, 100), [Alice], CancellationToken.None);
        var accepted = index.AddAsync(new BlobRecord(Hash(5), 50, "text/plain", 100), [Bob], CancellationToken.None);
        await held.ReleaseAsync();

        await refused.Invoking(r => r).Should().ThrowAsync<DbException>();
        (await add).Should().BeTrue();
        (await accepted).Should().Be(new BlobRecord(Hash(5), 50, "text/plain", 100));
        (await index.FindAsync(Hash(4), CancellationToken.None)).Should().BeNull();
        (await index.OwnersAsync(Hash(5), CancellationToken.None)).Should().Equal(Bob);
    }

    /// <summary>A batch of a part of the test's own, held open until released: what is queued meanwhile makes the next batch.</summary>
    private async Task<HeldBatch> HoldABatchAsync()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = Database.SqlDatabase.Commits.Join<int, int>(SqlBatchedRows.BlobIndex, async (_, _, items) =>
        {
            holding.TrySetResult();
            await release.Task;
            return [.. items];
        });
        var batch = gate.RunAsync(0);
        await holding.Task;
        return new HeldBatch(release, batch);
    }

    private sealed record HeldBatch(TaskCompletionSource Release, Task Batch)
    {
        public async Task ReleaseAsync()
        {
            Release.SetResult();
            await Batch;
        }
    }

    private static string Hash(int n) => n.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0');
}

public sealed class SqliteGroupCommitContract : SqlGroupCommitContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.SqliteAsync();
}

[Collection(PostgresTestGroup.Name)]
public sealed class PostgresGroupCommitContract(PostgresServer server) : SqlGroupCommitContract
{
    protected override Task<ContractDatabase> OpenDatabaseAsync() => ContractDatabase.PostgresAsync(server);
}
