using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Core.Data.Postgres;
using Blossom.Core.Data.Sqlite;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Media;
using Blossom.Core.Moderation;
using Blossom.Core.Previews;
using Blossom.Core.Storage;
using Blossom.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Blossom.Tests.Contracts;

/// <summary>A fresh, migrated database of one provider, and its stores, for a contract suite.</summary>
public abstract class ContractDatabase : IAsyncDisposable
{
    public abstract IBlobIndex BlobIndex(TimeProvider time);

    public abstract IMediaTaskStore MediaTasks(TimeProvider time);

    public abstract IModerationStore Moderation(TimeProvider time);

    public abstract IChunkedUploadIndex ChunkedUploadIndex();
    public abstract IPreviewIndex Previews();

    public abstract IMatrixMediaIndex MatrixMedia();

    public IMatrixRemoteMediaIndex MatrixRemoteMedia() => new SqlMatrixRemoteMediaIndex(SqlDatabase);

    public IMatrixQuarantine MatrixQuarantine() => new SqlMatrixQuarantine(SqlDatabase);

    public ISmallBlobTable SmallBlobs(TimeProvider time) => new SqlSmallBlobTable(SqlDatabase, time);

    /// <summary>The database itself, for what the stores share on it (their batches).</summary>
    public abstract ISqlDatabase SqlDatabase { get; }

    /// <summary>The blob sections of one node on this database; each call is another node.</summary>
    public abstract IBlobLocks BlobLocks();

    /// <summary>The per-pubkey quota of one node on this database; each call is another node.</summary>
    public abstract IQuotaReservations Quotas(IBlobIndex index, long quotaBytes);

    public abstract ValueTask DisposeAsync();

    /// <summary>A SQLite file in a temp folder, deleted on dispose.</summary>
    public static async Task<ContractDatabase> SqliteAsync()
    {
        var database = new Sqlite(Directory.CreateTempSubdirectory("blossom-contract-").FullName);
        await database.Database.MigrateAsync(CancellationToken.None);
        return database;
    }

    /// <summary>A new database on the shared test cluster.</summary>
    public static async Task<ContractDatabase> PostgresAsync(PostgresServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var connectionString = await server.CreateDatabaseAsync();
        var database = new Postgres(new PostgresDatabase(connectionString), connectionString);
        await database.Database.MigrateAsync(CancellationToken.None);
        return database;
    }

    private sealed class Sqlite(string root) : ContractDatabase
    {
        public SqliteDatabase Database { get; } = new($"Data Source={Path.Combine(root, "blossom.db")}");

        public override IBlobIndex BlobIndex(TimeProvider time) => new SqliteBlobIndex(Database, time);

        public override IMediaTaskStore MediaTasks(TimeProvider time) => new SqlMediaTaskStore(Database, time);

        public override IModerationStore Moderation(TimeProvider time) => new SqliteModerationStore(Database, time);

        public override IChunkedUploadIndex ChunkedUploadIndex() => new SqlChunkedUploadIndex(Database);
        public override IPreviewIndex Previews() => new SqlPreviewIndex(Database);

        public override IMatrixMediaIndex MatrixMedia() => new SqlMatrixMediaIndex(Database);

        public override ISqlDatabase SqlDatabase => Database;

        // SQLite serves one process: its sections and reservations are that process's memory.
        public override IBlobLocks BlobLocks() => new StripedBlobLocks();

        public override IQuotaReservations Quotas(IBlobIndex index, long quotaBytes) => new QuotaReservations(index, quotaBytes);

        public override ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Postgres(PostgresDatabase database, string connectionString) : ContractDatabase
    {
        private readonly List<IAsyncDisposable> _nodes = [];

        public PostgresDatabase Database => database;

        public override IBlobIndex BlobIndex(TimeProvider time) => new PostgresBlobIndex(database, time);

        public override IMediaTaskStore MediaTasks(TimeProvider time) => new SqlMediaTaskStore(database, time);

        public override IModerationStore Moderation(TimeProvider time) => new PostgresModerationStore(database, time);

        public override IChunkedUploadIndex ChunkedUploadIndex() => new SqlChunkedUploadIndex(database);
        public override IPreviewIndex Previews() => new SqlPreviewIndex(database);

        public override IMatrixMediaIndex MatrixMedia() => new SqlMatrixMediaIndex(database);

        public override ISqlDatabase SqlDatabase => database;

        public override IBlobLocks BlobLocks() => Node(new PostgresBlobLocks(connectionString));

        public override IQuotaReservations Quotas(IBlobIndex index, long quotaBytes) => Node(new PostgresQuotaReservations(connectionString, index, quotaBytes));

        public override async ValueTask DisposeAsync()
        {
            foreach (var node in _nodes)
                await node.DisposeAsync();
            await database.DisposeAsync();
        }

        private T Node<T>(T node) where T : IAsyncDisposable
        {
            _nodes.Add(node);
            return node;
        }
    }
}

/// <summary>The part every contract suite shares: a fresh database per test, a clock the test sets.</summary>
public abstract class ContractSuite : IAsyncLifetime
{
    private ContractDatabase? _database;

    protected ManualClock Clock { get; } = new(1_700_000_000);

    protected ContractDatabase Database => _database ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>The implementation under test's fresh, migrated database.</summary>
    protected abstract Task<ContractDatabase> OpenDatabaseAsync();

    public virtual async Task InitializeAsync() => _database = await OpenDatabaseAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }
}
