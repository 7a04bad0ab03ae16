using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Endpoints;

/// <summary>BUD-02: PUT /upload.</summary>
public sealed class UploadTests : IDisposable
{
    private readonly BlossomApplication _app = new(new Dictionary<string, string?>
    {
        ["Blossom:Upload:MaxSizeBytes"] = "100000",
        ["Blossom:Upload:AllowedTypes:0"] = "image/*",
        ["Blossom:Upload:AllowedTypes:1"] = "application/octet-stream",
        ["Blossom:Upload:AllowedTypes:2"] = "application/pdf",
    });
    private readonly HttpClient _client;
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();

    public UploadTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Put_NewBlob_201WithDescriptor()
    {
        var data = BlossomRequests.RandomBlob(4321);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var response = await _client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]), "image/png"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var blob = (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Sha256.Should().Be(BlossomRequests.Sha256(data));
        blob.Url.Should().Be($"{_app.BaseAddress.ToString().TrimEnd('/')}/{blob.Sha256}.png");
        blob.Size.Should().Be(4321);
        blob.Type.Should().Be("image/png");
        blob.Uploaded.Should().BeInRange(before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        response.Headers.Location!.ToString().Should().Be(blob.Url);
        (await _client.GetByteArrayAsync(blob.Url)).Should().Equal(data);
    }

    [Fact]
    public async Task Put_ExistingBlobByAnotherOwner_200SameDescriptorAndOwnerRecorded()
    {
        var data = BlossomRequests.RandomBlob();
        var first = await _client.UploadAsync(_alice, data, "image/jpeg");

        using var response = await _client.SendAsync(BlossomRequests.Upload(data, _bob.Token(AuthorizationVerb.Upload, [first.Sha256]), "image/jpeg"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>()).Should().BeEquivalentTo(first);
        var bobs = await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}");
        bobs.Should().Equal(first);
    }

    [Fact]
    public async Task Put_OctetStream_Accepted()
    {
        var descriptor = await _client.UploadAsync(_alice, BlossomRequests.RandomBlob(), "application/octet-stream");

        descriptor.Type.Should().Be("application/octet-stream");
        descriptor.Url.Should().EndWith(".bin");
    }

    [Fact]
    public async Task Put_HashHeaderDoesNotMatchBody_409AndNothingStored()
    {
        var data = BlossomRequests.RandomBlob();
        var other = BlossomRequests.Sha256(BlossomRequests.RandomBlob());
        using var request = BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [other]), sendHash: false);
        request.Headers.Add("X-SHA-256", other);

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        response.Reason().Should().Contain(BlossomRequests.Sha256(data));
        (await _client.GetAsync($"/{BlossomRequests.Sha256(data)}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetAsync($"/{other}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        Directory.EnumerateFiles(_app.StoragePath, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Put_MalformedHashHeader_400()
    {
        var data = BlossomRequests.RandomBlob();
        using var request = BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]), sendHash: false);
        request.Headers.Add("X-SHA-256", "not-a-hash");

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().Contain("X-SHA-256");
    }

    [Fact]
    public async Task Put_WithoutHashHeader_TokenXChecksAfterHashing()
    {
        var data = BlossomRequests.RandomBlob();

        using var covered = await _client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]), sendHash: false));
        using var uncovered = await _client.SendAsync(BlossomRequests.Upload(BlossomRequests.RandomBlob(), _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]), sendHash: false));

        covered.StatusCode.Should().Be(HttpStatusCode.Created);
        uncovered.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        uncovered.Reason().Should().Contain("x tags");
    }

    [Fact]
    public async Task Put_Multipart_415TellsToSendRawBytes()
    {
        var data = BlossomRequests.RandomBlob();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(data), "file", "a.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Put, "/upload") { Content = form };
        request.Headers.Add("X-SHA-256", BlossomRequests.Sha256(data));
        request.WithToken(_alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().Contain("raw bytes");
    }

    [Fact]
    public async Task Put_TypeNotAllowed_415()
    {
        var data = BlossomRequests.RandomBlob();

        using var response = await _client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]), "video/mp4"));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().Contain("video/mp4");
    }

    [Fact]
    public async Task Put_ContentLengthOverLimit_413()
    {
        var data = BlossomRequests.RandomBlob(100_001);

        using var response = await _client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Reason().Should().Contain("100000");
    }

    [Fact]
    public async Task Put_ChunkedBodyGrowingPastLimit_413AndNoTempFileLeft()
    {
        var data = BlossomRequests.RandomBlob(300_000);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/upload") { Content = new StreamContent(new MemoryStream(data)) };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-SHA-256", BlossomRequests.Sha256(data));
        request.WithToken(_alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        Directory.EnumerateFiles(_app.StoragePath, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Put_ClientResetsMidBody_OneInformationLogNoErrorsNoTempFile()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug" });
        app.Start();
        var hash = new string('b', 64);
        var token = NostrSigner.Header(_alice.Token(AuthorizationVerb.Upload, [hash]));
        var logged = app.Logs.Entries.Count;

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PUT /upload HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nAuthorization: {token}\r\nX-SHA-256: {hash}\r\n" +
                $"Content-Type: application/octet-stream\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\n"));
            await stream.WriteAsync(BlossomRequests.RandomBlob(1024 * 1024));
            // A reset discards what the server has not read yet: wait until it is receiving the body.
            await Poll.UntilAsync(() => Directory.EnumerateFiles(Path.Combine(app.StoragePath, ".tmp")).Any(), "the server should start receiving the body", TimeSpan.FromSeconds(30));
            // Linger 0: closing sends RST, as a client that crashed or lost its network would.
            tcp.Client.LingerState = new LingerOption(true, 0);
            tcp.Client.Close();
        }

        // The request is over once the server logged it and removed its temp file.
        IReadOnlyList<LogEntry> entries = [];
        await Poll.UntilAsync(() =>
        {
            entries = [.. app.Logs.Entries.Skip(logged).Where(e => e.Level >= LogLevel.Warning || (e.Level >= LogLevel.Information && e.Category.StartsWith("Blossom", StringComparison.Ordinal) && e.Category != AccessLog.Category))];
            return entries.Count > 0 && !Directory.EnumerateFiles(app.StoragePath, "*", SearchOption.AllDirectories).Any();
        }, "the server should log the aborted upload and remove its temp file", TimeSpan.FromSeconds(30));

        // Event 2 of the server's error handling: the client closed the connection mid-request.
        entries.Should().ContainSingle().Which.Should().Match<LogEntry>(e => e.Level == LogLevel.Information && e.EventId.Id == 2
            && e.Value("Method") == "PUT" && e.Value("Path") == "/upload" && e.Exception == null);
    }

    [Fact]
    public async Task Put_NoContentLengthNorChunked_411()
    {
        var token = NostrSigner.Header(_alice.Token(AuthorizationVerb.Upload, [new string('a', 64)]));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_app.BaseAddress.Host, _app.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PUT /upload HTTP/1.1\r\nHost: {_app.BaseAddress.Authority}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"));

        var answer = await new StreamReader(stream).ReadToEndAsync();

        answer.Should().StartWith("HTTP/1.1 411 ");
        answer.Should().Contain("X-Reason: Content-Length is required");
    }

    [Fact]
    public async Task Put_EmptyBody_StoresEmptyBlob()
    {
        var descriptor = await _client.UploadAsync(_alice, []);

        descriptor.Sha256.Should().Be("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        descriptor.Size.Should().Be(0);
    }

    [Fact]
    public async Task Put_AnonymousWhenAuthNotRequired_201Unowned()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:RequireAuth"] = "false" });
        var client = app.Start();
        var data = BlossomRequests.RandomBlob();

        using var response = await client.SendAsync(BlossomRequests.Upload(data, null));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await client.GetByteArrayAsync($"/{BlossomRequests.Sha256(data)}")).Should().Equal(data);
    }
}
