using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Container;

/// <summary>
/// The server image run as <c>docker run -p … -v &lt;volume&gt;:/data</c> does, published on a free
/// loopback port; removed on dispose (the volume is the caller's).
/// </summary>
internal sealed class ServerContainer : IAsyncDisposable
{
    private ServerContainer(string name, int port) =>
        (Name, Client) = (name, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) });

    public string Name { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// Starts <paramref name="image"/> with <paramref name="volume"/> at <c>/data</c>, the server
    /// listening on <paramref name="httpPort"/> inside; returns once <c>/readyz</c> answers 200.
    /// </summary>
    public static async Task<ServerContainer> StartAsync(string image, string volume, int httpPort = 8080)
    {
        var container = new ServerContainer("blossom-test-" + Guid.NewGuid().ToString("N")[..12], FreePort.OnLoopback());
        try
        {
            string[] port = httpPort == 8080 ? [] : ["--env", $"ASPNETCORE_HTTP_PORTS={httpPort}"];
            await Podman.RunAsync(["run", "--detach", "--name", container.Name, .. Podman.LimitOptions, .. port,
                "--publish", $"127.0.0.1:{container.Client.BaseAddress!.Port}:{httpPort}", "--volume", volume + ":/data", image]);
            await container.WaitUntilReadyAsync();
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for <c>/readyz</c> to answer 200, failing with the container's log.</summary>
    public async Task WaitUntilReadyAsync()
    {
        try
        {
            await Poll.UntilAsync(() => IsReadyAsync(Client), $"container {Name} answers /readyz");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new InvalidOperationException($"{e.Message}\nIts log:\n{await LogsAsync(Name)}", e);
        }
    }

    /// <summary>What the server wrote, for failure messages.</summary>
    public static async Task<string> LogsAsync(string name) => (await Podman.TryRunAsync("logs", name)).Output;

    /// <summary>Stops the server as an upgrade does (SIGTERM, then its shutdown) and removes the container.</summary>
    public async Task StopAsync()
    {
        await Podman.RunAsync("stop", "--time", "30", Name);
        await Podman.RunAsync("rm", Name);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Podman.RunAsync("rm", "--force", "--ignore", "--time", "0", Name);
    }

    /// <summary>Whether the server behind <paramref name="client"/> answers <c>/readyz</c> with 200.</summary>
    public static async Task<bool> IsReadyAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), attempt.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false; // not listening yet, or the connection was cut while the server starts
        }
    }
}
