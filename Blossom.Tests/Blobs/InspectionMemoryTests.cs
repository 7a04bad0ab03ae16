using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;

namespace Blossom.Tests.Blobs;

/// <summary>Reading dim and blurhash on the upload path keeps memory flat whatever the pictures claim.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class InspectionMemoryTests
{
    [Fact]
    public async Task Upload_SixHugeProgressiveJpegsAtOnce_MemoryStaysFlat()
    {
        using var app = new BlossomApplication();
        var client = app.Start();
        var signer = new NostrSigner();
        var samples = Enumerable.Range(0, 6).Select(_ => MediaSamples.HugeProgressiveJpeg()).ToArray();
        // libvips and the upload path load their code on first use: that belongs in the baseline.
        await client.UploadAsync(signer, MediaSamples.PngWithAlpha(64, 64), "image/png");

        await using var memory = WorkingSetSampler.Start();
        var blobs = await Task.WhenAll(samples.Select(sample => client.UploadAsync(signer, sample, "image/jpeg")));
        var growth = memory.Growth;

        blobs.Should().AllSatisfy(blob => blob.Nip94.Should().ContainEquivalentOf(new[] { "dim", "10000x10000" }));
        // Client and server share this process; drawing even one of them would take 600 MB.
        growth.Should().BeLessThan(300L * 1024 * 1024, memory.Describe());
    }
}
