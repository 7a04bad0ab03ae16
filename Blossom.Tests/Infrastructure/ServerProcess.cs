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
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process, HttpClient client) => (_process, Client) = (process, client);

    public HttpClient Client { get; }

    /// <summary>Starts <c>dotnet Blossom.Server.dll</c> on a free loopback port; returns once <c>/healthz</c> answers 200.</summary>
    public static async Task<ServerProcess> StartAsync(string dataRoot, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataRoot };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "Blossom.Server.dll"), "--urls", "http://127.0.0.1:0"])
            start.ArgumentList.Add(argument);
        start.Environment["Blossom__Storage__Path"] = Path.Combine(dataRoot, "blobs");
        start.Environment["Blossom__Database__ConnectionString"] = $"Data Source={Path.Combine(dataRoot, "blossom.db")}";
        start.Environment["Blossom__Media__WorkPath"] = Path.Combine(dataRoot, "media");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            start.Environment["Blossom__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;

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
            var clock = Stopwatch.StartNew();
            while ((await server.Client.GetAsync("/healthz")).StatusCode != System.Net.HttpStatusCode.OK)
            {
                clock.Elapsed.Should().BeLessThan(StartDeadline, server.Output);
                await Task.Delay(50);
            }
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
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
        if (line.Contains(marker, StringComparison.Ordinal))
            listening.TrySetResult(new Uri(line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim()));
    }
}
