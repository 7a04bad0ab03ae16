using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>A blob uploaded in many chunks (BUD-14) streams through with flat memory, like a single upload.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class ChunkedUploadMemoryTests
{
    private const long Size = 300L * 1000 * 1000;
    private const long ChunkBytes = 8L * 1024 * 1024;

    [Fact]
    public async Task Patch_300MBIn8MiBChunks_StoredWithFlatMemory()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:MaxSizeBytes"] = $"{Size}" });
        var client = app.Start();
        var signer = new NostrSigner();
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(new PatternStream(Size)));
        var token = signer.Token(AuthorizationVerb.Upload, [hash]);

        await using var memory = WorkingSetSampler.Start();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var offset = 0L; offset < Size; offset += ChunkBytes)
        {
            var length = Math.Min(ChunkBytes, Size - offset);
            using var request = new HttpRequestMessage(HttpMethod.Patch, $"/{hash}") { Content = new StreamContent(new PatternStream(length, offset)) };
            request.Content.Headers.ContentLength = length;
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Headers.Add("Upload-Type", "video/mp4");
            request.Headers.Add("Upload-Length", Size.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            request.WithToken(token);
            last?.Dispose();
            last = await client.SendAsync(request);
            statuses.Add(last.StatusCode);
        }
        var growth = memory.Growth;

        using var answer = last!;
        statuses.Should().HaveCount(36).And.EndWith(HttpStatusCode.Created);
        statuses.SkipLast(1).Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.NoContent));
        var blob = (await answer.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Size.Should().Be(Size);
        blob.Sha256.Should().Be(hash);
        using var stored = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{hash}"));
        stored.StatusCode.Should().Be(HttpStatusCode.OK);
        stored.Content.Headers.ContentLength.Should().Be(Size);
        // Client and server share this process; together they may grow by buffers, never by the blob or a chunk's worth per chunk.
        growth.Should().BeLessThan(64L * 1024 * 1024, memory.Describe());
    }
}
