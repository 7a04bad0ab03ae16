using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Ingest;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Endpoints;

/// <summary>BUD-14: PATCH /&lt;sha256&gt;[.ext], every status of the draft's table this server answers, and resuming.</summary>
public sealed class ChunkedUploadTests : IDisposable
{
    private const int Quota = 100_000;
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();
    private readonly NostrSigner _mallory = new();
    private readonly BlossomApplication _app;
    private readonly HttpClient _client;

    public ChunkedUploadTests()
    {
        _app = new(Settings());
        _client = _app.Start();
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Patch_ChunksInOrder_204Then201WithDescriptorAndBlobServed()
    {
        var data = BlossomRequests.RandomBlob(25_000);
        var hash = BlossomRequests.Sha256(data);

        using var first = await SendChunkAsync(hash, data, 0, 10_000, "image/png");
        using var second = await SendChunkAsync(hash, data, 10_000, 10_000, "image/png");
        var before = await _client.GetAsync($"/{hash}");
        using var last = await SendChunkAsync(hash, data, 20_000, 5_000, "image/png");

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        second.StatusCode.Should().Be(HttpStatusCode.NoContent);
        before.StatusCode.Should().Be(HttpStatusCode.NotFound, "the blob is not available before every byte is there");
        last.StatusCode.Should().Be(HttpStatusCode.Created, last.Reason());
        var blob = (await last.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        blob.Sha256.Should().Be(hash);
        blob.Size.Should().Be(25_000);
        blob.Type.Should().Be("image/png");
        blob.Url.Should().Be($"{_app.BaseAddress.ToString().TrimEnd('/')}/{hash}.png");
        last.Headers.Location!.ToString().Should().Be(blob.Url);
        (await _client.GetByteArrayAsync(blob.Url)).Should().Equal(data);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().Equal(blob);
        ChunkedUploadFiles().Should().BeEmpty("a completed upload leaves no part behind");
    }

    [Fact]
    public async Task Patch_ChunksOutOfOrderAndOverlapping_201WithTheExactBytes()
    {
        var data = BlossomRequests.RandomBlob(30_000);
        var hash = BlossomRequests.Sha256(data);

        using var third = await SendChunkAsync(hash, data, 20_000, 10_000);
        using var overlapping = await SendChunkAsync(hash, data, 5_000, 17_000);
        using var first = await SendChunkAsync(hash, data, 0, 8_000);

        third.StatusCode.Should().Be(HttpStatusCode.NoContent);
        overlapping.StatusCode.Should().Be(HttpStatusCode.NoContent);
        first.StatusCode.Should().Be(HttpStatusCode.Created, first.Reason());
        (await _client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
    }

    [Fact]
    public async Task Patch_ConcurrentChunksOnParallelConnections_OneAnswers201AndTheBlobIsWhole()
    {
        var data = BlossomRequests.RandomBlob(64_000);
        var hash = BlossomRequests.Sha256(data);
        // One connection each, as a client sending chunks in parallel opens them.
        var clients = Enumerable.Range(0, 8).Select(_ => new HttpClient { BaseAddress = _app.BaseAddress }).ToList();
        try
        {
            var answers = await Task.WhenAll(clients.Select((client, i) => SendChunkAsync(hash, data, i * 8_000, 8_000, client: client)));

            // On the file system a chunk appended to the spine also records the bytes before it, so the
            // upload can be complete (and committed by another chunk) before a chunk's own record lands:
            // that chunk finds the blob stored and answers 200 with its descriptor, as BUD-13 says.
            answers.Select(a => a.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created, string.Join(", ", answers.Select(a => $"{a.StatusCode} {a.Reason()}")))
                .And.AllSatisfy(s => s.Should().BeOneOf(HttpStatusCode.Created, HttpStatusCode.NoContent, HttpStatusCode.OK));
            (await _client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
            ChunkedUploadFiles().Should().BeEmpty();
            foreach (var answer in answers)
                answer.Dispose();
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Patch_PathWithExtension_SameUploadAsWithout()
    {
        var data = BlossomRequests.RandomBlob(2_000);
        var hash = BlossomRequests.Sha256(data);

        using var first = await SendChunkAsync(hash, data, 0, 1_000, path: $"/{hash}.pdf");
        using var last = await SendChunkAsync(hash, data, 1_000, 1_000);

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        last.StatusCode.Should().Be(HttpStatusCode.Created);
        (await _client.GetByteArrayAsync($"/{hash}.bin")).Should().Equal(data);
    }

    [Fact]
    public async Task Patch_BlobAlreadyStored_200WithTheStoredDescriptor()
    {
        var data = BlossomRequests.RandomBlob(3_000);
        var hash = BlossomRequests.Sha256(data);
        var stored = await _client.UploadAsync(_bob, data);

        using var response = await SendChunkAsync(hash, data, 0, data.Length);

        response.StatusCode.Should().Be(HttpStatusCode.OK, response.Reason());
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>()).Should().BeEquivalentTo(stored);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().Equal(stored);
    }

    [Fact]
    public async Task Patch_EmptyBlob_OneEmptyChunk201()
    {
        var hash = BlossomRequests.Sha256([]);

        using var response = await SendChunkAsync(hash, [], 0, 0);

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
        (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!.Size.Should().Be(0);
    }

    [Fact]
    public async Task Patch_ReconstructedHashDiffersFromPath_409AndNothingKept()
    {
        var data = BlossomRequests.RandomBlob(6_000);
        var path = BlossomRequests.Sha256(BlossomRequests.RandomBlob(6_000));

        using var first = await SendChunkAsync(path, data, 0, 3_000);
        using var last = await SendChunkAsync(path, data, 3_000, 3_000);

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        last.StatusCode.Should().Be(HttpStatusCode.Conflict);
        last.Reason().Should().NotBeNullOrEmpty();
        using var head = await HeadAsync(path, _alice);
        head.StatusCode.Should().Be(HttpStatusCode.NotFound);
        head.Headers.Contains("Upload-Offset").Should().BeFalse("the refused upload is forgotten");
        (await _client.GetAsync($"/{BlossomRequests.Sha256(data)}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
        Directory.EnumerateFiles(_app.StoragePath, "*", SearchOption.AllDirectories).Should().BeEmpty("nothing of the refused upload is kept");
    }

    [Theory]
    [InlineData("upper")]
    [InlineData("nothex")]
    [InlineData("nothex.png")]
    public async Task Patch_PathHashNotLowercaseHex_400WithReason(string form)
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);
        var path = form == "upper" ? hash.ToUpperInvariant() : new string('g', 64) + form["nothex".Length..];

        using var response = await SendChunkAsync(hash, data, 0, data.Length, path: $"/{path}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().Contain("lowercase hex");
    }

    [Theory]
    [InlineData("Upload-Type", null)]
    [InlineData("Upload-Type", "not a type")]
    [InlineData("Upload-Length", null)]
    [InlineData("Upload-Length", "-1")]
    [InlineData("Upload-Length", "1e3")]
    [InlineData("Upload-Offset", null)]
    [InlineData("Upload-Offset", "zero")]
    [InlineData("Upload-Offset", "+0")]
    public async Task Patch_UploadHeaderMissingOrMalformed_400NamingIt(string header, string? value)
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);
        using var request = Chunk(hash, data, 0, data.Length, _alice.Token(AuthorizationVerb.Upload, [hash]));
        request.Headers.Remove(header);
        if (value is not null)
            request.Headers.TryAddWithoutValidation(header, value);

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Reason().Should().StartWith(header);
    }

    [Theory]
    [InlineData("Upload-Length", "9000")]
    [InlineData("Upload-Type", "image/gif")]
    public async Task Patch_SecondChunkDeclaresAnotherUpload_400AndTheUploadGoesOn(string header, string value)
    {
        var data = BlossomRequests.RandomBlob(8_000);
        var hash = BlossomRequests.Sha256(data);
        using var first = await SendChunkAsync(hash, data, 0, 4_000, "image/png");
        using var request = Chunk(hash, data, 4_000, 4_000, _alice.Token(AuthorizationVerb.Upload, [hash]), "image/png");
        request.Headers.Remove(header);
        request.Headers.Add(header, value);

        using var inconsistent = await _client.SendAsync(request);
        using var consistent = await SendChunkAsync(hash, data, 4_000, 4_000, "image/png");

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        inconsistent.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        inconsistent.Reason().Should().NotBeNullOrEmpty();
        consistent.StatusCode.Should().Be(HttpStatusCode.Created, consistent.Reason());
    }

    [Fact]
    public async Task Patch_WithoutToken_401()
    {
        var data = BlossomRequests.RandomBlob();

        using var response = await SendChunkAsync(BlossomRequests.Sha256(data), data, 0, data.Length, anonymous: true);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Patch_TokenNamingAnotherHash_401()
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);
        using var request = Chunk(hash, data, 0, data.Length, _alice.Token(AuthorizationVerb.Upload, [new string('d', 64)]));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Patch_PubkeyNotAllowed_403()
    {
        var data = BlossomRequests.RandomBlob();

        using var response = await SendChunkAsync(BlossomRequests.Sha256(data), data, 0, data.Length, signer: _mallory);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Reason().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Patch_AnotherPubkeySquatsTheHash_TheOwnersChunksGoOnAndTheBlobIsTheirs()
    {
        var data = BlossomRequests.RandomBlob(6_000);
        var hash = BlossomRequests.Sha256(data);
        // Bob starts an upload of the hash first, with a length it cannot have, and keeps it alive.
        var squatting = BlossomRequests.RandomBlob(5_000);
        using var squat = await SendChunkAsync(hash, squatting, 0, 1_000, signer: _bob);

        using var first = await SendChunkAsync(hash, data, 0, 3_000);
        using var squatAgain = await SendChunkAsync(hash, squatting, 1_000, 1_000, signer: _bob);
        using var head = await HeadAsync(hash, _alice);
        using var last = await SendChunkAsync(hash, data, 3_000, 3_000);

        squat.StatusCode.Should().Be(HttpStatusCode.NoContent, squat.Reason());
        first.StatusCode.Should().Be(HttpStatusCode.NoContent, first.Reason());
        squatAgain.StatusCode.Should().Be(HttpStatusCode.NoContent, squatAgain.Reason());
        head.Headers.GetValues("Upload-Ranges").Should().Equal(["0-2999"], "Alice sees her own upload only");
        last.StatusCode.Should().Be(HttpStatusCode.Created, last.Reason());
        (await _client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
        (await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}")).Should().BeEmpty("Bob's upload had another length: it could never have completed");
        ChunkedUploadFiles().Should().BeEmpty("Bob's upload ended with the blob stored");
    }

    [Fact]
    public async Task Patch_TwoPubkeysUploadTheSameBlob_TheFirstToCompleteStoresItAndBothOwnIt()
    {
        var data = BlossomRequests.RandomBlob(6_000);
        var hash = BlossomRequests.Sha256(data);
        using var bobsFirst = await SendChunkAsync(hash, data, 0, 3_000, signer: _bob);

        using var alicesFirst = await SendChunkAsync(hash, data, 0, 3_000);
        using var alicesLast = await SendChunkAsync(hash, data, 3_000, 3_000);
        var bobsList = await _client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_bob.Pubkey}");
        using var bobsLast = await SendChunkAsync(hash, data, 3_000, 3_000, signer: _bob);

        bobsFirst.StatusCode.Should().Be(HttpStatusCode.NoContent);
        alicesFirst.StatusCode.Should().Be(HttpStatusCode.NoContent, "Bob's upload of the hash does not hold up Alice's: {0}", alicesFirst.Reason());
        alicesLast.StatusCode.Should().Be(HttpStatusCode.Created, alicesLast.Reason());
        bobsList!.Select(b => b.Sha256).Should().Equal([hash], "Bob owns the blob as soon as it is stored");
        bobsLast.StatusCode.Should().Be(HttpStatusCode.OK, bobsLast.Reason());
        (await bobsLast.Content.ReadFromJsonAsync<BlobDescriptor>())!.Sha256.Should().Be(hash);
        ChunkedUploadFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task Patch_AnonymousUploadOfTheHash_ASignedUploadGoesOnWithoutSeeingIt()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:RequireAuth"] = "false" });
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(4_000);
        var hash = BlossomRequests.Sha256(data);
        using var anonymous = await SendChunkAsync(hash, BlossomRequests.RandomBlob(3_000), 0, 1_000, anonymous: true, client: client);

        using var head = await HeadAsync(hash, _alice, client);
        using var first = await SendChunkAsync(hash, data, 0, 2_000, client: client);
        using var last = await SendChunkAsync(hash, data, 2_000, 2_000, client: client);

        anonymous.StatusCode.Should().Be(HttpStatusCode.NoContent, anonymous.Reason());
        head.StatusCode.Should().Be(HttpStatusCode.NotFound);
        head.Headers.Contains("Upload-Offset").Should().BeFalse("the anonymous upload's state is not Alice's");
        first.StatusCode.Should().Be(HttpStatusCode.NoContent, first.Reason());
        last.StatusCode.Should().Be(HttpStatusCode.Created, last.Reason());
        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}"))!.Select(b => b.Sha256).Should().Equal(hash);
    }

    [Fact]
    public async Task Patch_SameChunkRepeatedInTurnAndAtOnce_ItsBytesHeldOnceAndTheQuotaCountsTheUpload()
    {
        var data = BlossomRequests.RandomBlob(80_000);
        var hash = BlossomRequests.Sha256(data);

        var inTurn = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var repeated = await SendChunkAsync(hash, data, 1, data.Length - 1);
            inTurn.Add(repeated.StatusCode);
        }
        var heldInTurn = await StoredBytesAsync(hash, _alice);
        var atOnce = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => SendChunkAsync(hash, data, 1, data.Length - 1)));
        var heldAfterOnes = await StoredBytesAsync(hash, _alice);
        var fits = BlossomRequests.RandomBlob(Quota - data.Length);
        using var fitting = await _client.SendAsync(BlossomRequests.Upload(fits, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(fits)])));
        var over = BlossomRequests.RandomBlob(10);
        using var refused = await _client.SendAsync(BlossomRequests.Upload(over, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(over)])));

        inTurn.Should().AllBeEquivalentTo(HttpStatusCode.NoContent);
        atOnce.Select(r => r.StatusCode).Should().AllBeEquivalentTo(HttpStatusCode.NoContent);
        heldInTurn.Should().Be(data.Length - 1, "a chunk's bytes that the upload holds already are read past, not stored");
        heldAfterOnes.Should().Be(data.Length - 1, "chunks over the same bytes at once take turns, and the later ones find them held");
        fitting.StatusCode.Should().Be(HttpStatusCode.Created, "the partial upload holds its 80000 bytes of the quota, once: {0}", fitting.Reason());
        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        refused.Reason().Should().Be($"Storage quota exceeded: your blobs take {Quota} of {Quota} bytes and this one needs 10");
        foreach (var response in atOnce)
            response.Dispose();
    }

    [Fact]
    public async Task Patch_NoContentLength_411()
    {
        var hash = new string('a', 64);
        var token = NostrSigner.Header(_alice.Token(AuthorizationVerb.Upload, [hash]));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_app.BaseAddress.Host, _app.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"PATCH /{hash} HTTP/1.1\r\nHost: {_app.BaseAddress.Authority}\r\nAuthorization: {token}\r\nUpload-Type: image/png\r\nUpload-Length: 10\r\n" +
            "Upload-Offset: 0\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));

        var answer = await new StreamReader(stream).ReadToEndAsync();

        answer.Should().StartWith("HTTP/1.1 411 ");
        answer.Should().Contain("X-Reason: Content-Length is required");
    }

    [Fact]
    public async Task Patch_UploadLengthOverLimit_413BeforeAnyByteIsKept()
    {
        var data = BlossomRequests.RandomBlob(1_000);
        var hash = BlossomRequests.Sha256(data);
        using var request = Chunk(hash, data, 0, data.Length, _alice.Token(AuthorizationVerb.Upload, [hash]));
        request.Headers.Remove("Upload-Length");
        request.Headers.Add("Upload-Length", "100001");

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Reason().Should().Contain("100000");
        ChunkedUploadFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task Patch_UploadLengthBeyondQuota_413WithTheFigures()
    {
        var stored = BlossomRequests.RandomBlob(60_000);
        await _client.UploadAsync(_alice, stored);
        var data = BlossomRequests.RandomBlob(60_000);

        using var response = await SendChunkAsync(BlossomRequests.Sha256(data), data, 0, 10_000);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Reason().Should().Be("Storage quota exceeded: your blobs take 60000 of 100000 bytes and this one needs 60000");
        ChunkedUploadFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task Patch_ChunkedUploadCountsAgainstQuota_OtherUploads413UntilItCompletes()
    {
        var partial = BlossomRequests.RandomBlob(60_000);
        var hash = BlossomRequests.Sha256(partial);
        using var first = await SendChunkAsync(hash, partial, 0, 30_000);
        var other = BlossomRequests.RandomBlob(50_000);

        using var refused = await _client.SendAsync(BlossomRequests.Upload(other, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(other)])));
        using var last = await SendChunkAsync(hash, partial, 30_000, 30_000);

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        refused.Reason().Should().Contain("60000 of 100000");
        last.StatusCode.Should().Be(HttpStatusCode.Created, "an upload's own partial bytes do not count twice: {0}", last.Reason());
    }

    [Fact]
    public async Task Patch_UploadTypeNotAllowed_415()
    {
        var data = BlossomRequests.RandomBlob();

        using var response = await SendChunkAsync(BlossomRequests.Sha256(data), data, 0, data.Length, "video/mp4");

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().Contain("video/mp4");
    }

    [Theory]
    [InlineData("image/png")]
    [InlineData(null)]
    public async Task Patch_ContentTypeNotOctetStream_415SayingSo(string? contentType)
    {
        var data = BlossomRequests.RandomBlob();
        var hash = BlossomRequests.Sha256(data);
        using var request = Chunk(hash, data, 0, data.Length, _alice.Token(AuthorizationVerb.Upload, [hash]));
        request.Content!.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        response.Reason().Should().Contain("application/octet-stream");
    }

    [Theory]
    [InlineData(9_000, 2_000)]
    [InlineData(10_000, 1)]
    [InlineData(long.MaxValue, 1)]
    public async Task Patch_ChunkOutsideUploadLength_416(long offset, int length)
    {
        var data = BlossomRequests.RandomBlob(10_000);
        var hash = BlossomRequests.Sha256(data);
        using var request = Chunk(hash, new byte[length], 0, length, _alice.Token(AuthorizationVerb.Upload, [hash]));
        request.Headers.Remove("Upload-Length");
        request.Headers.Add("Upload-Length", "10000");
        request.Headers.Remove("Upload-Offset");
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));

        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestedRangeNotSatisfiable);
        response.Reason().Should().NotBeNullOrEmpty();
        ChunkedUploadFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task Patch_ManyChunksOfOneUpload_NotCountedAgainstThePubkeyLimit()
    {
        // The pubkey limit here is 3 a minute; an upload of 6 chunks still goes through.
        var data = BlossomRequests.RandomBlob(6_000);
        var hash = BlossomRequests.Sha256(data);

        var statuses = new List<HttpStatusCode>();
        for (var offset = 0; offset < data.Length; offset += 1_000)
        {
            using var response = await SendChunkAsync(hash, data, offset, 1_000);
            statuses.Add(response.StatusCode);
        }

        statuses.Should().Equal(Enumerable.Repeat(HttpStatusCode.NoContent, 5).Append(HttpStatusCode.Created));
    }

    [Fact]
    public async Task Patch_OverChunksPerIpLimit_429WithRetryAfter()
    {
        using var app = new BlossomApplication(Settings(("Blossom:RateLimit:ChunksPerIpPerMinute", "2")));
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(3_000);
        var hash = BlossomRequests.Sha256(data);
        using var first = await SendChunkAsync(hash, data, 0, 1_000, client: client);
        using var second = await SendChunkAsync(hash, data, 1_000, 1_000, client: client);

        using var third = await SendChunkAsync(hash, data, 2_000, 1_000, client: client);

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        second.StatusCode.Should().Be(HttpStatusCode.NoContent);
        third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        third.Headers.RetryAfter!.Delta.Should().BePositive();
    }

    [Fact]
    public async Task Options_BlobAddress_204AllowingPatch()
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Options, $"/{new string('a', 64)}.mp4"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.Content.Headers.Allow.Should().Contain(["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
    }

    [Fact]
    public async Task Options_CorsPreflightOfAChunk_AllowsPatchAndUploadHeaders()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"/{new string('a', 64)}");
        preflight.Headers.Add("Origin", "https://client.example");
        preflight.Headers.Add("Access-Control-Request-Method", "PATCH");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, upload-type, upload-length, upload-offset");

        using var response = await _client.SendAsync(preflight);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
        HeaderList(response, "Access-Control-Allow-Methods").Should().Contain("PATCH");
        HeaderList(response, "Access-Control-Allow-Headers").Should().Contain(["Authorization", "Content-Type", "Upload-Type", "Upload-Length", "Upload-Offset"]);
    }

    [Fact]
    public async Task Head_ChunkedUploadWithOwnersToken_404WithWhatIsHeld()
    {
        var data = BlossomRequests.RandomBlob(30_000);
        var hash = BlossomRequests.Sha256(data);
        using var first = await SendChunkAsync(hash, data, 0, 10_000, "image/png");
        using var third = await SendChunkAsync(hash, data, 20_000, 5_000, "image/png");

        using var head = await HeadAsync(hash, _alice);
        using var get = await GetAsync(hash, _alice);

        foreach (var response in new[] { head, get })
        {
            response.StatusCode.Should().Be(HttpStatusCode.NotFound);
            response.Headers.GetValues("Upload-Offset").Should().Equal("10000");
            response.Headers.GetValues("Upload-Length").Should().Equal("30000");
            response.Headers.GetValues("Upload-Type").Should().Equal("image/png");
            response.Headers.GetValues("Upload-Ranges").Should().Equal("0-9999, 20000-24999");
            var expires = DateTimeOffset.ParseExact(response.Headers.GetValues("Upload-Expires").Single(), "R", CultureInfo.InvariantCulture);
            expires.Should().BeAfter(DateTimeOffset.UtcNow).And.BeBefore(DateTimeOffset.UtcNow.AddSeconds(61));
            HeaderList(response, "Access-Control-Expose-Headers").Should().Contain(["Upload-Offset", "Upload-Length", "Upload-Type", "Upload-Ranges", "Upload-Expires"]);
        }
    }

    [Fact]
    public async Task Head_ChunkedUploadWithoutOrWithAnotherPubkeysToken_Plain404()
    {
        var data = BlossomRequests.RandomBlob(2_000);
        var hash = BlossomRequests.Sha256(data);
        using var first = await SendChunkAsync(hash, data, 0, 1_000);

        using var anonymous = await HeadAsync(hash, null);
        using var other = await HeadAsync(hash, _bob);

        foreach (var response in new[] { anonymous, other })
        {
            response.StatusCode.Should().Be(HttpStatusCode.NotFound);
            response.Headers.Contains("Upload-Offset").Should().BeFalse();
        }
    }

    [Fact]
    public async Task Head_AnonymousChunkedUpload_ShownWithoutToken()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:Upload:RequireAuth"] = "false" });
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(2_000);
        var hash = BlossomRequests.Sha256(data);
        using var first = await SendChunkAsync(hash, data, 0, 1_500, anonymous: true, client: client);

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{hash}"));

        first.StatusCode.Should().Be(HttpStatusCode.NoContent, first.Reason());
        head.StatusCode.Should().Be(HttpStatusCode.NotFound);
        head.Headers.GetValues("Upload-Offset").Should().Equal("1500");
    }

    [Fact]
    public async Task Patch_ClientKilledMidChunk_TheChunkDoesNotCountAndTheUploadResumes()
    {
        var data = BlossomRequests.RandomBlob(40_000);
        var hash = BlossomRequests.Sha256(data);
        using var first = await SendChunkAsync(hash, data, 0, 20_000);

        // The client dies after half of the second chunk: its connection is reset.
        var token = NostrSigner.Header(_alice.Token(AuthorizationVerb.Upload, [hash]));
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(_app.BaseAddress.Host, _app.BaseAddress.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PATCH /{hash} HTTP/1.1\r\nHost: {_app.BaseAddress.Authority}\r\nAuthorization: {token}\r\nUpload-Type: application/octet-stream\r\n" +
                "Upload-Length: 40000\r\nUpload-Offset: 20000\r\nContent-Type: application/octet-stream\r\nContent-Length: 20000\r\n\r\n"));
            await stream.WriteAsync(data.AsMemory(20_000, 10_000));
            await stream.FlushAsync();
            tcp.Client.LingerState = new LingerOption(true, 0);
        }
        // A client that lost its state asks where to go on from.
        using var head = await HeadAsync(hash, _alice);
        var offset = int.Parse(head.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);

        using var resumed = await SendChunkAsync(hash, data, offset, 40_000 - offset);

        offset.Should().Be(20_000, "nothing of the broken chunk counts");
        resumed.StatusCode.Should().Be(HttpStatusCode.Created, resumed.Reason());
        (await _client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
        _app.Logs.Entries.Should().NotContain(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error, "a client that hangs up is not a server error");
    }

    [Fact]
    public async Task Patch_ServerRestartedMidUpload_ResumesFromWhatHeadSays()
    {
        var dataRoot = Directory.CreateTempSubdirectory("blossom-chunks-restart-").FullName;
        try
        {
            var data = BlossomRequests.RandomBlob(300_000);
            var hash = BlossomRequests.Sha256(data);
            using (var server = await ServerProcess.StartAsync(dataRoot))
            {
                using var first = await SendChunkAsync(hash, data, 0, 100_000, client: server.Client);
                using var third = await SendChunkAsync(hash, data, 200_000, 100_000, client: server.Client);
                first.StatusCode.Should().Be(HttpStatusCode.NoContent, server.Output);
                third.StatusCode.Should().Be(HttpStatusCode.NoContent, server.Output);
                server.Kill();
            }

            using var restarted = await ServerProcess.StartAsync(dataRoot);
            using var head = await HeadAsync(hash, _alice, restarted.Client);
            var offset = int.Parse(head.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
            using var missing = await SendChunkAsync(hash, data, offset, 200_000 - offset, client: restarted.Client);

            head.StatusCode.Should().Be(HttpStatusCode.NotFound);
            offset.Should().Be(100_000);
            head.Headers.GetValues("Upload-Ranges").Should().Equal("0-99999, 200000-299999");
            missing.StatusCode.Should().Be(HttpStatusCode.Created, $"{missing.Reason()}\n{restarted.Output}");
            (await restarted.Client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task Patch_ServerKilledWhileCompleting_AfterTheRestartAResentChunkCompletesIt()
    {
        await WithServerKilledWhileCompletingAsync(null, async (server, data, hash) =>
        {
            using var resent = await SendChunkAsync(hash, data, data.Length - 1_000, 1_000, client: server.Client);

            resent.StatusCode.Should().BeOneOf([HttpStatusCode.Created, HttpStatusCode.OK], $"{resent.Reason()}\n{server.Output}");
        });
    }

    [Fact]
    public async Task Patch_ServerKilledWhileCompleting_AfterTheRestartTheSweepCompletesItWithNothingResent()
    {
        await WithServerKilledWhileCompletingAsync(new Dictionary<string, string> { ["Upload:PartialTimeoutSeconds"] = "4" }, async (server, _, hash) =>
        {
            // A client resuming from HEAD finds every byte held, so it has nothing left to send.
            await Poll.UntilAsync(async () =>
            {
                using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{hash}"));
                return head.StatusCode == HttpStatusCode.OK;
            }, "the sweep should complete the upload its killed holder left");
        });
    }

    /// <summary>
    /// Sends the second half of a 64 MiB upload, then the first, and kills the server (<c>kill -9</c>) once
    /// every byte is recorded, while it builds the blob; restarts it on the same data and hands it to
    /// <paramref name="afterRestart"/>, then checks the blob is there whole.
    /// </summary>
    private async Task WithServerKilledWhileCompletingAsync(Dictionary<string, string>? settings, Func<ServerProcess, byte[], string, Task> afterRestart)
    {
        var dataRoot = Directory.CreateTempSubdirectory("blossom-chunks-kill-").FullName;
        try
        {
            var data = BlossomRequests.RandomBlob(64 * 1024 * 1024);
            var hash = BlossomRequests.Sha256(data);
            var half = data.Length / 2;
            using (var server = await ServerProcess.StartAsync(dataRoot, settings))
            {
                using var second = await SendChunkAsync(hash, data, half, half, client: server.Client);
                second.StatusCode.Should().Be(HttpStatusCode.NoContent, server.Output);
                var completing = SendChunkAsync(hash, data, 0, half, client: server.Client);
                await Poll.UntilAsync(async () =>
                {
                    using var head = await HeadAsync(hash, _alice, server.Client);
                    return completing.IsCompleted || head.Headers.TryGetValues("Upload-Offset", out var offset) && offset.Single() == $"{data.Length}";
                }, "every byte should be recorded");
                server.Kill();
                try
                {
                    (await completing).Dispose();
                }
                catch (HttpRequestException)
                {
                    // The server died before it answered, as it should have.
                }
            }

            using var restarted = await ServerProcess.StartAsync(dataRoot, settings);
            await afterRestart(restarted, data, hash);

            (await restarted.Client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
            (await restarted.Client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}"))!.Select(b => b.Sha256).Should().Equal(hash);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task Patch_AbandonedUpload_DiscardedAfterTheTimeoutFreeingQuotaAndFiles()
    {
        using var app = new BlossomApplication(Settings(("Blossom:Upload:PartialTimeoutSeconds", "1")));
        var client = app.Start();
        var abandoned = BlossomRequests.RandomBlob(60_000);
        var hash = BlossomRequests.Sha256(abandoned);
        using var first = await SendChunkAsync(hash, abandoned, 0, 30_000, client: client);
        var other = BlossomRequests.RandomBlob(50_000);
        using var refused = await client.SendAsync(BlossomRequests.Upload(other, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(other)])));

        await Poll.UntilAsync(async () =>
        {
            using var head = await HeadAsync(hash, _alice, client);
            return !head.Headers.Contains("Upload-Offset") && ChunkedUploadFiles(app).Count == 0;
        }, "the idle upload and its bytes are discarded");
        using var accepted = await client.SendAsync(BlossomRequests.Upload(other, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(other)])));
        using var late = await SendChunkAsync(hash, abandoned, 30_000, 30_000, client: client);

        first.StatusCode.Should().Be(HttpStatusCode.NoContent);
        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, "the partial upload holds 60000 of the quota");
        accepted.StatusCode.Should().Be(HttpStatusCode.Created, "the discarded upload no longer counts: {0}", accepted.Reason());
        late.StatusCode.Should().BeOneOf([HttpStatusCode.NoContent, HttpStatusCode.RequestEntityTooLarge], "a late chunk starts a new upload, which the quota may refuse");
    }

    [Fact]
    public async Task Info_AnnouncesChunkedUploadAndBud14()
    {
        using var info = JsonDocument.Parse(await _client.GetStringAsync("/info"));

        info.RootElement.GetProperty("buds").EnumerateArray().Select(b => b.GetString()).Should().Contain(["13", "14"]);
        var chunked = info.RootElement.GetProperty("chunkedUpload");
        chunked.GetProperty("supported").GetBoolean().Should().BeTrue();
        chunked.GetProperty("maxChunkBytes").GetInt64().Should().Be(100_000);
        chunked.GetProperty("partialTimeoutSeconds").GetInt32().Should().Be(60);
    }

    private Dictionary<string, string?> Settings(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Blossom:Upload:MaxSizeBytes"] = "100000",
            ["Blossom:Upload:AllowedTypes:0"] = "image/*",
            ["Blossom:Upload:AllowedTypes:1"] = "application/octet-stream",
            ["Blossom:Upload:AllowedPubkeys:0"] = _alice.Pubkey,
            ["Blossom:Upload:AllowedPubkeys:1"] = _bob.Pubkey,
            ["Blossom:Upload:QuotaBytesPerPubkey"] = $"{Quota}",
            ["Blossom:RateLimit:PerPubkeyPerMinute"] = "3",
        };
        foreach (var (key, value) in overrides)
            settings[key] = value;
        return settings;
    }

    /// <summary>
    /// Sends bytes [offset, offset + length) of <paramref name="data"/> as a chunk of the upload of <paramref name="hash"/>,
    /// signed by <paramref name="signer"/> (Alice unless told), or without a token when <paramref name="anonymous"/>.
    /// </summary>
    private Task<HttpResponseMessage> SendChunkAsync(string hash, byte[] data, int offset, int length, string type = "application/octet-stream",
        NostrSigner? signer = null, string? path = null, HttpClient? client = null, bool anonymous = false)
    {
        var token = anonymous ? null : (signer ?? _alice).Token(AuthorizationVerb.Upload, [hash]);
        return (client ?? _client).SendAsync(Chunk(hash, data, offset, length, token, type, path));
    }

    private static HttpRequestMessage Chunk(string hash, byte[] data, int offset, int length, NostrEvent? token, string type = "application/octet-stream", string? path = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, path ?? $"/{hash}") { Content = new ByteArrayContent(data, offset, length) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("Upload-Type", type);
        request.Headers.Add("Upload-Length", data.Length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        if (token is not null)
            request.WithToken(token);
        return request;
    }

    private Task<HttpResponseMessage> HeadAsync(string hash, NostrSigner? signer, HttpClient? client = null) => AskAsync(HttpMethod.Head, hash, signer, client);

    private Task<HttpResponseMessage> GetAsync(string hash, NostrSigner? signer) => AskAsync(HttpMethod.Get, hash, signer, null);

    private Task<HttpResponseMessage> AskAsync(HttpMethod method, string hash, NostrSigner? signer, HttpClient? client)
    {
        var request = new HttpRequestMessage(method, $"/{hash}");
        if (signer is not null)
            request.WithToken(signer.Token(AuthorizationVerb.Upload, [hash]));
        return (client ?? _client).SendAsync(request);
    }

    private static IEnumerable<string> HeaderList(HttpResponseMessage response, string header) =>
        response.Headers.GetValues(header).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private List<string> ChunkedUploadFiles() => ChunkedUploadFiles(_app);

    /// <summary>
    /// The bytes stored for <paramref name="signer"/>'s upload of <paramref name="hash"/>: what its recorded chunks
    /// add up to, overlaps counted each time, as every chunk is a file (or an S3 object) of its own length.
    /// </summary>
    private async Task<long> StoredBytesAsync(string hash, NostrSigner signer)
    {
        var index = _app.Services.GetRequiredService<IChunkedUploadIndex>();
        return await index.FindAsync(hash, signer.Pubkey, CancellationToken.None) is { } upload
            ? (await index.ChunksAsync(upload.Id, CancellationToken.None)).Sum(c => c.Length)
            : 0;
    }

    /// <summary>The files of chunked uploads waiting in the store's temp area.</summary>
    private static List<string> ChunkedUploadFiles(BlossomApplication app)
    {
        var folder = Path.Combine(app.StoragePath, ".tmp", "partial");
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToList() : [];
    }
}
