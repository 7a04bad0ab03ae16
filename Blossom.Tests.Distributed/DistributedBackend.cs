using System.Collections.Concurrent;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Distributed;

/// <summary>
/// One PostgreSQL cluster and one S3 server for the whole test run. Each server data folder gets a
/// database of its own and a key prefix of its own in one bucket, so test classes run in parallel
/// without seeing each other's blobs, owners or tasks, and a server restarted on the same folder
/// finds what it stored.
/// </summary>
internal sealed class DistributedBackend : ITestBackend, IAsyncDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly S3Server _s3 = new();
    private readonly ConcurrentDictionary<string, Lazy<IReadOnlyDictionary<string, string?>>> _servers = new();
    private string _bucket = "";

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_postgres.InitializeAsync(), _s3.InitializeAsync());
        _bucket = await _s3.CreateBucketAsync();
    }

    public IReadOnlyDictionary<string, string?> Settings(string dataRoot) =>
        _servers.GetOrAdd(dataRoot, root => new(() => NewServer(root))).Value;

    private Dictionary<string, string?> NewServer(string dataRoot)
    {
        // The folder's name is unique (a fresh temp folder), which makes it a prefix no other server uses.
        var settings = _s3.Settings(_bucket, prefix: Path.GetFileName(dataRoot) + "/");
        settings["Blossom:Database:Provider"] = "Postgres";
        settings["Blossom:Database:ConnectionString"] = _postgres.CreateDatabase();
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _postgres.DisposeAsync();
        }
        finally
        {
            await _s3.DisposeAsync();
        }
    }
}
