using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using DnsClient;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// A real DNS server for tests of what looks records up (SRV for Matrix server discovery): Debian's
/// <c>dnsmasq</c> on a free loopback port, answering only from the records it is started with (no
/// upstream, no <c>/etc/hosts</c>, no system config), stopped on dispose.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    private const string Install = "Install Debian's dnsmasq package (apt-get install dnsmasq), which the DNS tests start a throwaway server from.";

    /// <summary>A name always answered, so the server is known to be up once it answers it.</summary>
    private const string ReadyName = "ready.dnsmasq.invalid";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(1);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DnsmasqServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The loopback port it answers on, over UDP and TCP.</summary>
    public int Port { get; }

    /// <summary>
    /// Starts dnsmasq with <paramref name="records"/> (dnsmasq options such as
    /// <c>--srv-host=_matrix-fed._tcp.example.test,target.example.test,8448</c> or
    /// <c>--address=/example.test/127.0.0.1</c>) and returns once it answers queries.
    /// </summary>
    public static async Task<DnsmasqServer> StartAsync(IEnumerable<string> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var port = FreePort.OnLoopback();
        var start = new ProcessStartInfo("dnsmasq") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            "--no-daemon",
            "--conf-file=/dev/null",
            "--pid-file=",
            $"--port={port.ToString(CultureInfo.InvariantCulture)}",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            // Running as root it would switch to a 'dnsmasq' user; staying keeps it killable by the test.
            $"--user={Environment.UserName}",
            $"--address=/{ReadyName}/127.0.0.1",
            .. records,
        ];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"dnsmasq did not start: {e.Message}. {Install}", e);
        }
        var server = new DnsmasqServer(process, port);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var probe = server.CreateClient();
            await Poll.UntilAsync(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"dnsmasq exited {process.ExitCode} at start:\n{string.Join('\n', server._output)}");
                try
                {
                    var answer = await probe.QueryAsync(ReadyName, QueryType.A);
                    return answer.Answers.ARecords().Any();
                }
                catch (DnsResponseException)
                {
                    // Not listening yet: the query timed out.
                    return false;
                }
            }, () => $"dnsmasq did not answer on 127.0.0.1:{port} within {StartDeadline}:\n{string.Join('\n', server._output)}", StartDeadline);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>A client that asks only this server, with no cache, so each test sees the records as they are.</summary>
    public LookupClient CreateClient() => new(new LookupClientOptions(new NameServer(IPAddress.Loopback, Port))
    {
        UseCache = false,
        Timeout = TimeSpan.FromSeconds(2),
        Retries = 1,
    });

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 200)
            _output.TryDequeue(out _);
    }
}
