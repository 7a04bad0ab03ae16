using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster from Debian's <c>postgresql</c> package: <c>initdb</c> in a temp
/// folder, started with <c>pg_ctl</c> on a free loopback port (as the <c>postgres</c> user when the
/// tests run as root, which PostgreSQL refuses to run as), stopped and deleted on dispose. Shared by
/// the test classes of <see cref="PostgresTestGroup"/>; each class takes a fresh database of its own.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Install = "Install Debian's postgresql package (apt-get install postgresql), which the tests start a throwaway cluster from.";
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromMinutes(2);

    private readonly string _root = Directory.CreateTempSubdirectory("blossom-pg-").FullName;
    private string _bin = "";
    private int _port;

    private string DataPath => Path.Combine(_root, "data");

    /// <summary>The superuser's connection string to the cluster's <c>postgres</c> database.</summary>
    public string AdminConnectionString => Connect("postgres");

    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        _port = FreePort.OnLoopback();
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        // The cluster's files belong to the user that runs it; that user must also be able to reach the temp folder.
        if (runAs is not null)
            await RunAsync(null, "chown", runAs, _root);
        await RunAsync(runAs, Path.Combine(_bin, "initdb"), "-D", DataPath, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync");
        // Settings in the cluster's own file rather than pg_ctl -o, which hands its text to a shell.
        await File.AppendAllLinesAsync(Path.Combine(DataPath, "postgresql.auto.conf"),
        [
            $"port = {_port.ToString(CultureInfo.InvariantCulture)}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{_root}'",
            // A test cluster is thrown away: durability only costs time.
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            // Every server a test starts has a pool of its own.
            "max_connections = 300",
        ]);
        await RunAsync(runAs, Path.Combine(_bin, "pg_ctl"), "start", "-D", DataPath, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60");
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync() => Task.FromResult(CreateDatabase());

    /// <summary>
    /// <see cref="CreateDatabaseAsync"/> for callers that cannot await, such as a test host being
    /// configured; Npgsql's own synchronous calls, not a wait on a task.
    /// </summary>
    public string CreateDatabase()
    {
        var name = "blossom_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        command.ExecuteNonQuery();
        return Connect(name);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (File.Exists(Path.Combine(DataPath, "postmaster.pid")))
                await RunAsync(Environment.UserName == "root" ? "postgres" : null, Path.Combine(_bin, "pg_ctl"), "stop", "-D", DataPath, "-m", "immediate", "-w");
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string Connect(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = "postgres",
        Database = database,
    }.ConnectionString;

    /// <summary>The newest installed major version's programs.</summary>
    private static string FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        var newest = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")) && File.Exists(Path.Combine(d, "bin", "pg_ctl")))
                .Select(d => (Directory: d, Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : -1))
                .OrderByDescending(v => v.Major)
                .Select(v => v.Directory)
                .FirstOrDefault()
            : null;
        return newest is null ? throw new InvalidOperationException($"No initdb under {root}/*/bin. {Install}") : Path.Combine(newest, "bin");
    }


    /// <summary>Runs a program, as <paramref name="user"/> through <c>runuser</c> when given; fails with its output unless it exits 0.</summary>
    private static async Task RunAsync(string? user, string program, params string[] arguments) =>
        await (user is null
            ? ProgramRun.RunCheckedAsync(program, arguments, CommandDeadline)
            : ProgramRun.RunCheckedAsync("runuser", ["-u", user, "--", program, .. arguments], CommandDeadline));
}

/// <summary>The test classes that share one <see cref="PostgresServer"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresTestGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "Postgres";
}
