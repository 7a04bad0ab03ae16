using Blossom.Core.Blobs;
using Blossom.Core.Data;
using Blossom.Core.Data.Sqlite;
using Blossom.Core.Matrix;
using Blossom.Core.Migration;
using Blossom.Core.Moderation;
using Blossom.Core.Storage;
using Blossom.Core.Storage.FileSystem;
using Microsoft.Data.Sqlite;

namespace Blossom.Server;

/// <summary>
/// <c>copy-data --from-storage-path DIR --from-sqlite "CONNECTION STRING"</c>: copies a server's
/// blobs (a folder) and index, owners, blocks and reports (SQLite) into the stores the settings
/// name, read as when serving (appsettings.json, <c>Blossom__…</c> variables, <c>--Blossom:…</c>
/// arguments). Run with the server stopped; running again finishes an interrupted copy.
/// Exit code 0 when everything was copied, 1 otherwise, 2 on bad arguments.
/// </summary>
internal static partial class CopyDataCommand
{
    public const string Name = "copy-data";
    private const string FromStoragePath = "--from-storage-path";
    private const string FromSqlite = "--from-sqlite";
    private const string Usage = $"Usage: dotnet Blossom.Server.dll {Name} {FromStoragePath} <blob folder> {FromSqlite} \"Data Source=<file>\" [--Blossom:Key=value ...]";

    public static bool IsInvoked(string[] args) => args is [Name, ..];

    public static async Task<int> RunAsync(string[] args)
    {
        if (Parse(args[1..]) is not { } arguments)
            return 2;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = arguments.Settings });
        builder.AddBlossomHosting();
        builder.AddBlossomBackends();
        var app = builder.Build();
        await using (app)
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CopyDataCommand));
            var sourceDatabase = new SqliteDatabase(arguments.SqliteConnectionString);
            try
            {
                // The destination as the server would open it: settings checked, schema migrated, store ready.
                var destination = new DataStores(
                    app.Services.GetRequiredService<IBlobStore>(), app.Services.GetRequiredService<IBlobIndex>(), app.Services.GetRequiredService<IModerationStore>(),
                    app.Services.GetRequiredService<IMatrixMediaIndex>(), app.Services.GetRequiredService<IMatrixRemoteMediaIndex>(),
                    app.Services.GetRequiredService<IMatrixQuarantine>());
                await app.Services.GetRequiredService<ISqlDatabase>().MigrateAsync(CancellationToken.None);
                await destination.Store.InitializeAsync(CancellationToken.None);
                // An older source database is brought to this version's schema, as the server's next start would.
                await sourceDatabase.MigrateAsync(CancellationToken.None);
                var time = app.Services.GetRequiredService<TimeProvider>();
                var source = new DataStores(
                    SourceStore(arguments.StoragePath, sourceDatabase, time), new SqliteBlobIndex(sourceDatabase, time), new SqliteModerationStore(sourceDatabase, time),
                    new SqlMatrixMediaIndex(sourceDatabase), new SqlMatrixRemoteMediaIndex(sourceDatabase), new SqlMatrixQuarantine(sourceDatabase));

                var result = await new DataCopy(source, destination, app.Services.GetRequiredService<ILogger<DataCopy>>()).RunAsync(CancellationToken.None);
                if (!result.Complete)
                {
                    LogIncomplete(logger, result.Unreadable);
                    return 1;
                }
                LogDone(logger, result.Blobs, result.CopiedBlobs, result.CopiedBytes, result.Blocks, result.Reports);
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e.Message, e);
                return 1;
            }
            finally
            {
                SqliteConnection.ClearAllPools();
            }
        }
    }

    /// <summary>
    /// The source's blobs: files in the folder and small blobs as rows of its database, read only (no threshold
    /// applies to reads); its temp folder is where copies for the media tools would go, never used here.
    /// </summary>
    private static SmallBlobStore SourceStore(string storagePath, SqliteDatabase database, TimeProvider time) =>
        new(new FileSystemBlobStore(storagePath), new SqlSmallBlobTable(database, time), maxBytes: 0, Path.Combine(storagePath, ".tmp"));

    private sealed record Arguments(string StoragePath, string SqliteConnectionString, string[] Settings);

    /// <summary>The two source options; the rest are settings. Null, after saying why on stderr, when they do not add up.</summary>
    private static Arguments? Parse(string[] args)
    {
        string? storagePath = null, sqlite = null;
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is FromStoragePath or FromSqlite)
            {
                if (i + 1 == args.Length)
                    return Refuse($"{args[i]} needs a value.");
                if (args[i] == FromStoragePath) storagePath = args[++i];
                else sqlite = args[++i];
            }
            else
            {
                settings.Add(args[i]);
            }
        }
        if (storagePath is null || sqlite is null)
            return Refuse($"Both {FromStoragePath} and {FromSqlite} are required.");
        if (!Directory.Exists(storagePath))
            return Refuse($"{FromStoragePath}: no folder at {Path.GetFullPath(storagePath)}.");
        string? file;
        try
        {
            file = new SqliteConnectionStringBuilder(sqlite).DataSource;
        }
        catch (ArgumentException e)
        {
            return Refuse($"{FromSqlite}: not a SQLite connection string ({e.Message}).");
        }
        // Opening a missing file would create an empty database and copy nothing, silently.
        if (string.IsNullOrEmpty(file) || !File.Exists(file))
            return Refuse($"{FromSqlite}: no SQLite database at {(string.IsNullOrEmpty(file) ? "(no Data Source)" : Path.GetFullPath(file))}.");
        return new Arguments(storagePath, sqlite, [.. settings]);
    }

    private static Arguments? Refuse(string problem)
    {
        Console.Error.WriteLine($"{Name}: {problem}");
        Console.Error.WriteLine(Usage);
        return null;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "copy-data: done. {Blobs} blob(s) indexed, {CopiedBlobs} copied ({CopiedBytes} bytes, the rest were there already), {Blocks} block(s) of pubkeys and blobs, {Reports} new report(s). Media tasks are not copied.")]
    private static partial void LogDone(ILogger logger, long blobs, long copiedBlobs, long copiedBytes, int blocks, int reports);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "copy-data: {Unreadable} blob(s) could not be read from the source (see the warnings above); everything else was copied")]
    private static partial void LogIncomplete(ILogger logger, long unreadable);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "copy-data failed: {Reason}. Fix it and run again: what was copied stays, and is not copied twice.")]
    private static partial void LogFailed(ILogger logger, string reason, Exception exception);
}
