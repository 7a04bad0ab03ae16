using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Blobs;

/// <summary>A blob far larger than any buffer streams through with flat memory.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class LargeUploadTests
{
    private const long Size = 160L * 1024 * 1024;

    [Fact]
    public async Task Put_160MiB_StreamedWithFlatMemory()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:MaxSizeBytes"] = $"{Size}" });
        var client = app.Start();
        var signer = new NostrSigner();
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(new PatternStream(Size)));

        await using var memory = WorkingSetSampler.Start();

        using var request = new HttpRequestMessage(HttpMethod.Put, "/upload") { Content = new StreamContent(new PatternStream(Size)) };
        request.Content.Headers.ContentLength = Size;
        request.Headers.Add("X-SHA-256", hash);
        request.WithToken(signer.Token(AuthorizationVerb.Upload, [hash]));
        using var response = await client.SendAsync(request);
        var growth = memory.Growth;

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var blob = (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Size.Should().Be(Size);
        blob.Sha256.Should().Be(hash);
        new FileInfo(Path.Combine(app.StoragePath, hash[..2], hash[2..4], hash)).Length.Should().Be(Size);
        // Client and server share this process; together they may grow by buffers, never by the blob.
        growth.Should().BeLessThan(64L * 1024 * 1024, memory.Describe());
    }
}
