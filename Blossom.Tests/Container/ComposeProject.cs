using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Container;

/// <summary>
/// The repository's <c>compose.yaml</c> brought up with podman-compose under a project name of its own
/// (so its own volume), on a free loopback port through <c>BLOSSOM_PORT</c> and <c>BLOSSOM_PUBLIC_URL</c>, and its image built on the
/// stand-in bases through <c>--build-arg</c>, as <c>docker compose</c> takes them. A small override
/// file only renames the image, which would otherwise replace a <c>blossom-server</c> of this machine.
/// <c>down --volumes</c> on dispose.
/// </summary>
internal sealed class ComposeProject : IAsyncDisposable
{
    private readonly string _overrideFolder = Directory.CreateTempSubdirectory("blossom-compose-").FullName;
    private readonly string _image = "localhost/blossom-test-compose:" + Guid.NewGuid().ToString("N")[..12];
    private readonly int _port = FreePort.OnLoopback();

    public ComposeProject()
    {
        PublicUrl = new Uri($"http://127.0.0.1:{_port}");
        Client = new HttpClient { BaseAddress = PublicUrl, Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>The address clients use, given to the server through <c>BLOSSOM_PUBLIC_URL</c>, as a self-hoster does.</summary>
    public Uri PublicUrl { get; }

    /// <summary>Compose's project name: its volume is <c>&lt;project&gt;_blossom-data</c>.</summary>
    public string Project { get; } = "blossomtest" + Guid.NewGuid().ToString("N")[..12];

    public HttpClient Client { get; }

    /// <summary><c>up --detach</c> with the bases' build arguments; returns once a container of the project answers <c>/readyz</c>.</summary>
    public async Task UpAsync(IReadOnlyList<string> baseArguments)
    {
        await File.WriteAllTextAsync(OverrideFile, $"""
            services:
              blossom:
                image: {_image}

            """);
        var output = await ComposeAsync(BlossomImage.BuildDeadline, ["up", "--detach", .. baseArguments]);
        try
        {
            await Poll.UntilAsync(() => ServerContainer.IsReadyAsync(Client), $"compose project {Project} answers /readyz");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            var logs = await Task.WhenAll((await ContainersAsync()).Select(ServerContainer.LogsAsync));
            throw new InvalidOperationException($"{e.Message}\npodman-compose up said:\n{output}\nThe containers' logs:\n{string.Join('\n', logs)}", e);
        }
    }

    /// <summary>The project's containers, by the label compose gives them.</summary>
    public async Task<IReadOnlyList<string>> ContainersAsync() =>
        (await Podman.RunAsync("ps", "--all", "--filter", "label=com.docker.compose.project=" + Project, "--format", "{{.Names}}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            await ComposeAsync(TimeSpan.FromMinutes(2), ["down", "--volumes"]);
            // podman-compose 1.0 leaves the project's network behind.
            var network = Project + "_default";
            if ((await Podman.TryRunAsync("network", "exists", network)).ExitCode == 0)
                await Podman.RunAsync("network", "rm", network);
            await Podman.RunAsync("rmi", "--force", "--ignore", _image);
        }
        finally
        {
            Directory.Delete(_overrideFolder, recursive: true);
        }
    }

    private string OverrideFile => Path.Combine(_overrideFolder, "compose.override.yaml");

    /// <summary>podman-compose with the compose file and the override, passing podman the options of <see cref="Podman"/>.</summary>
    private Task<string> ComposeAsync(TimeSpan deadline, IReadOnlyList<string> command)
    {
        var root = NodeScript.RepositoryRoot();
        string[] arguments =
        [
            "--project-name", Project, "--file", Path.Combine(root, "compose.yaml"), "--file", OverrideFile,
            "--podman-args=" + string.Join(' ', Podman.EngineOptions),
            "--podman-build-args=" + string.Join(' ', BlossomImage.BuildOptions),
            "--podman-run-args=" + string.Join(' ', Podman.LimitOptions),
            .. command,
        ];
        return ProgramRun.RunCheckedAsync("podman-compose", arguments, deadline, root, new Dictionary<string, string>
        {
            ["BLOSSOM_PORT"] = $"127.0.0.1:{_port}",
            ["BLOSSOM_PUBLIC_URL"] = PublicUrl.ToString(),
        });
    }
}
