using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Container;

/// <summary>
/// The repository's Dockerfile built once for the container tests, as a self-hoster builds it but on
/// <see cref="StandInBaseImages"/> (passed as its build arguments); removed with the build's
/// intermediate images when the tests end. The stand-ins stay for the next run.
/// </summary>
public sealed class BlossomImage : IAsyncLifetime
{
    public static readonly TimeSpan BuildDeadline = TimeSpan.FromMinutes(8);

    /// <summary>The image's name, of this run only.</summary>
    public string Name { get; } = "localhost/blossom-test-server:" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The build arguments that choose the bases.</summary>
    public IReadOnlyList<string> BaseArguments { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var (sdk, runtime) = await StandInBaseImages.EnsureAsync();
        BaseArguments = ["--build-arg", "SDK_IMAGE=" + sdk, "--build-arg", "RUNTIME_IMAGE=" + runtime];
        await Podman.RunAsync(BuildDeadline, ["build", .. BuildOptions, .. BaseArguments, "--tag", Name, NodeScript.RepositoryRoot()]);
    }

    /// <summary>
    /// Docker's image format, since OCI images have no health check and podman would drop the
    /// Dockerfile's <c>HEALTHCHECK</c>; the host's network for restoring from NuGet and apt-get.
    /// </summary>
    public static IReadOnlyList<string> BuildOptions { get; } = ["--format", "docker", "--network=host", .. Podman.LimitOptions];

    public async Task DisposeAsync()
    {
        await Podman.RunAsync("rmi", "--force", Name);
        // The build stage's image and the cached steps: every image built on a stand-in carries its label.
        await Podman.RunAsync("image", "prune", "--force", "--filter", "label=" + StandInBaseImages.Label);
    }
}
