using Blossom.Core.Previews;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Previews;

/// <summary>Two nodes on one PostgreSQL database and one store: a preview is made once between them.</summary>
[Collection(PostgresTestGroup.Name)]
public sealed class PreviewServicePostgresTests(PostgresServer postgres) : IAsyncLifetime, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-previews-pg-").FullName;
    private BlossomApplication _first = null!;
    private BlossomApplication _second = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Blossom:Database:Provider"] = "Postgres",
            ["Blossom:Database:ConnectionString"] = await postgres.CreateDatabaseAsync(),
        };
        _first = new BlossomApplication(settings, _root);
        _second = new BlossomApplication(settings, _root);
        _first.Start();
        _second.Start();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task GetOrCreateAsync_BothNodesAtOnce_RenderOnceAndAgree()
    {
        var client = _first.CreateDefaultClient(_first.BaseAddress);
        var source = await client.UploadAsync(new NostrSigner(), MediaSamples.PhoneJpeg(), "image/jpeg");
        var nodes = new[] { _first, _second }.Select(n => n.Services.GetRequiredService<PreviewService>()).ToArray();
        var spec = nodes[0].DefaultSpec;

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => nodes[i % 2].GetOrCreateAsync(source.Sha256, spec, CancellationToken.None))));

        results.Select(r => r.Preview?.Sha256).Distinct().Should().ContainSingle().Which.Should().NotBeNull();
        nodes.Sum(n => n.Renders).Should().Be(1);
        (await nodes[1].FindAsync(source.Sha256, spec, CancellationToken.None))!.Sha256.Should().Be(results[0].Preview!.Sha256);
    }
}
