using System.Collections.Concurrent;
using System.Diagnostics;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// The built server as a process of its own, for what an in-process host cannot show: what is
/// left after a <c>kill -9</c>. Data lives under the caller's folder, so a second start finds it.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan CommandDeadline = TimeSpan.FromMinutes(3);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process, HttpClient client) => (_process, Client) = (process, client);

    public HttpClient Client { get; }

    /// <summary>
    /// A node of a cluster: its own folders under <paramref name="root"/>, and the bucket and the
    /// PostgreSQL database it shares with the other nodes, plus <paramref name="settings"/>.
    /// </summary>
    public static Task<ServerProcess> StartNodeAsync(string root, string name, S3Server s3, string bucket, string database, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        var node = s3.Settings(bucket).ToDictionary(s => s.Key["Blossom:".Length..], s => s.Value!);
        node["Database:Provider"] = "Postgres";
        node["Database:ConnectionString"] = database;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            node[key] = value;
        return StartAsync(Directory.CreateDirectory(Path.Combine(root, name)).FullName, node);
    }

    /// <summary>
    /// Starts <c>dotnet Blossom.Server.dll</c> on a free port of <paramref name="listenUrl"/> (loopback
    /// unless a test says otherwise); returns once <c>/healthz</c> answers 200.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dataRoot, IReadOnlyDictionary<string, string>? settings = null, string listenUrl = "http://127.0.0.1:0")
    {
        var start = StartInfo(dataRoot, settings, "--urls", listenUrl);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, new HttpClient { Timeout = TimeSpan.FromMinutes(5) });
        process.OutputDataReceived += (_, e) => server.Keep(e.Data, listening);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data, listening);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(StartDeadline);
            server.Client.BaseAddress = address;
            await Poll.UntilAsync(async () =>
            {
                using var health = await server.Client.GetAsync("/healthz");
                return health.StatusCode == System.Net.HttpStatusCode.OK;
            }, () => server.Output, StartDeadline);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>dotnet Blossom.Server.dll</c> with <paramref name="arguments"/> (a command such as <c>copy-data</c>)
    /// to its end, as an operator would; returns its exit code and all it wrote.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string dataRoot, IReadOnlyDictionary<string, string>? settings, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(dataRoot, settings, arguments))!;
        return await ProgramRun.WaitAsync(process, $"Blossom.Server.dll {string.Join(' ', arguments)}", CommandDeadline);
    }

    /// <summary>The server's data under <paramref name="dataRoot"/>, then <paramref name="settings"/> (keys without <c>Blossom:</c>) over it.</summary>
    private static ProcessStartInfo StartInfo(string dataRoot, IReadOnlyDictionary<string, string>? settings, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataRoot };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Blossom.Server.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["Blossom__Storage__Path"] = Path.Combine(dataRoot, "blobs");
        start.Environment["Blossom__Database__ConnectionString"] = $"Data Source={Path.Combine(dataRoot, "blossom.db")}";
        start.Environment["Blossom__Media__WorkPath"] = Path.Combine(dataRoot, "media");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            start.Environment["Blossom__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return start;
    }

    /// <summary>What the server wrote, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>SIGKILL to the server alone, as <c>kill -9</c> does: it has no chance to end its children.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        Client.Dispose();
    }

    private void Keep(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 200)
            _output.TryDequeue(out _);
        const string marker = "Now listening on: ";
        if (!line.Contains(marker, StringComparison.Ordinal))
            return;
        // A server on every address is reached on loopback, as a client on the same machine does.
        var address = new UriBuilder(line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim());
        if (address.Host is "0.0.0.0" or "[::]")
            address.Host = "127.0.0.1";
        listening.TrySetResult(address.Uri);
    }
}
