using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;

namespace Blossom.Tests.Container;

/// <summary>
/// The Dockerfile and compose.yaml as a self-hoster uses them: the image built with podman (on
/// stand-ins for the official bases, see <see cref="StandInBaseImages"/>), run with a named volume,
/// and checked over HTTP with real tokens, media and the image's own health check.
/// </summary>
public sealed class ContainerImageTests(BlossomImage image) : IClassFixture<BlossomImage>, IAsyncLifetime
{
    private readonly NostrSigner _alice = new();
    private readonly List<string> _volumes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var volume in _volumes)
            await Podman.RunAsync("volume", "rm", "--force", volume);
    }

    [Fact]
    public async Task Container_FreshVolume_HealthyAndServesUploadsAndImagesAsNonRoot()
    {
        await using var server = await ServerContainer.StartAsync(image.Name, NewVolume());

        var ready = System.Text.Json.JsonDocument.Parse(await server.Client.GetStringAsync(new Uri("/readyz", UriKind.Relative))).RootElement;
        ready.GetProperty("status").GetString().Should().Be("Healthy", "the database, the store and ffmpeg work in the container");
        ready.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Contain(["database", "storage", "ffmpeg"]);
        // The image's HEALTHCHECK, as the engine runs it: curl inside the container.
        await Podman.RunAsync("healthcheck", "run", server.Name);
        var status = await Podman.RunAsync("exec", server.Name, "cat", "/proc/1/status");
        var uids = status.Split('\n').Single(line => line.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1..];
        uids.Should().HaveCount(4).And.AllBe("1654", "the server (process 1) runs as the image's user app, not root");

        var blob = BlossomRequests.RandomBlob(64 * 1024);
        var descriptor = await server.Client.UploadAsync(_alice, blob);
        (await server.Client.GetByteArrayAsync(new Uri("/" + descriptor.Sha256, UriKind.Relative))).Should().Equal(blob);

        // libvips comes with the app, and must find what it needs in the runtime image.
        var task = await server.Client.SubmitAsync(_alice, MediaSamples.PngWithAlpha(400, 300), "image/png");
        var done = await server.Client.WaitForEndAsync(task.Id);
        done.Status.Should().Be("complete", done.Message);
        done.Blob!.Type.Should().Be("image/webp");
        using var picture = await server.Client.DownloadImageAsync(done.Blob);
        (picture.Width, picture.Height).Should().Be((400, 300));
    }

    [Fact]
    public async Task Container_RecreatedOnSameVolume_KeepsBlobsAndTheirOwners()
    {
        var volume = NewVolume();
        var blob = BlossomRequests.RandomBlob();
        string hash;
        await using (var first = await ServerContainer.StartAsync(image.Name, volume))
        {
            hash = (await first.Client.UploadAsync(_alice, blob)).Sha256;
            await first.StopAsync();
        }

        await using var second = await ServerContainer.StartAsync(image.Name, volume);

        (await second.Client.GetByteArrayAsync(new Uri("/" + hash, UriKind.Relative))).Should().Equal(blob);
        (await second.Client.GetFromJsonAsync<BlobDescriptor[]>(new Uri($"/list/{_alice.Pubkey}", UriKind.Relative)))
            .Should().ContainSingle().Which.Sha256.Should().Be(hash);
    }

    [Fact]
    public async Task Container_OtherHttpPort_HealthCheckFollowsIt()
    {
        // As with --network=host, where 8080 may be taken on the host.
        await using var server = await ServerContainer.StartAsync(image.Name, NewVolume(), httpPort: 9090);

        await Podman.RunAsync("healthcheck", "run", server.Name);
    }

    [Fact]
    public async Task Compose_Up_ServesOnTheChosenPortWithItsOwnVolume()
    {
        await using var compose = new ComposeProject();
        await compose.UpAsync(image.BaseArguments);

        // The container listens on every address, so PublicUrl is what names it: a token scoped to
        // the host clients use is accepted, and descriptors carry that address.
        var blob = BlossomRequests.RandomBlob();
        using var upload = await compose.Client.SendAsync(BlossomRequests.Upload(blob, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(blob)], servers: [compose.PublicUrl.Host])));
        upload.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, upload.Reason());
        var descriptor = (await upload.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        descriptor.Url.Should().StartWith(compose.PublicUrl.ToString());
        (await compose.Client.GetByteArrayAsync(new Uri("/" + descriptor.Sha256, UriKind.Relative))).Should().Equal(blob);
        var container = (await compose.ContainersAsync()).Should().ContainSingle().Subject;
        var mount = await Podman.RunAsync("inspect", "--format", "{{range .Mounts}}{{.Name}} {{.Destination}}{{end}}", container);
        mount.Trim().Should().Be($"{compose.Project}_blossom-data /data", "compose.yaml keeps the data in its named volume");
    }

    /// <summary>A volume name of this test, removed when it ends; <c>podman run</c> creates it.</summary>
    private string NewVolume()
    {
        var name = "blossom-test-" + Guid.NewGuid().ToString("N")[..12];
        _volumes.Add(name);
        return name;
    }
}
