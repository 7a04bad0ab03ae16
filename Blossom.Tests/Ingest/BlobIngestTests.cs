using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Ingest;

/// <summary>
/// The ingest as a surface other than Blossom's HTTP uses it: plain streams and declared facts in,
/// a committed value or a refusal value out.
/// </summary>
public sealed class BlobIngestTests : IDisposable
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private static readonly IngestLimits Limits = new(100, []);
    private static readonly byte[] Body = "twenty bytes of body"u8.ToArray();
    private static readonly string BodySha256 = BlossomRequests.Sha256(Body);

    private readonly BlossomApplication _app = new();

    public BlobIngestTests() => _app.Start();

    public void Dispose() => _app.Dispose();

    private BlobIngest Ingest => _app.Services.GetRequiredService<BlobIngest>();

    private BlobService Blobs => _app.Services.GetRequiredService<BlobService>();

    [Fact]
    public async Task IngestBlob_Accepted_CommittedAndOwned()
    {
        var result = await Ingest.IngestBlobAsync(Request(owner: Alice), Limits, CancellationToken.None);

        result.Refusal.Should().BeNull();
        result.Value.Created.Should().BeTrue();
        (await Blobs.OwnersAsync(BodySha256, CancellationToken.None)).Should().Equal(Alice);
    }

    [Fact]
    public async Task Ingest_CallersCommitStep_IsWhatStores()
    {
        var result = await Ingest.IngestAsync(Request(), Limits, Blobs.Store,
            async (pending, received, _, token) => (await pending.CommitAsync(token), received.Sha256), CancellationToken.None);

        result.Value.Should().Be((true, BodySha256));
        (await Blobs.FindAsync(BodySha256, CancellationToken.None)).Should().BeNull("the caller's step stored the bytes without indexing them");
    }

    public static TheoryData<string, IngestRefusalKind, string> Refusals => new()
    {
        { "multipart", IngestRefusalKind.TypeNotAllowed, "Send the file's raw bytes as the request body, not multipart form data" },
        { "announced too large", IngestRefusalKind.TooLarge, "Blob is larger than this server's limit of 100 bytes" },
        { "body too large", IngestRefusalKind.TooLarge, "Blob is larger than this server's limit of 10 bytes" },
        { "no body", IngestRefusalKind.BodyRequired, "Content-Length is required" },
        { "malformed hash", IngestRefusalKind.InvalidHash, "X-Hash must be a 64-character hex sha256" },
        { "other hash", IngestRefusalKind.HashMismatch, $"X-Hash does not match the body, whose sha256 is {BodySha256}" },
        { "not authorized", IngestRefusalKind.HashNotAuthorized, "Authorization event x tags do not include the blob hash" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task IngestBlob_Refused_KindAndReasonAndNothingStored(string what, IngestRefusalKind kind, string reason)
    {
        var (request, limits) = what switch
        {
            "multipart" => (Request() with { Type = "multipart/form-data" }, Limits),
            "announced too large" => (Request() with { Length = 101 }, Limits),
            "body too large" => (Request(), new IngestLimits(10, [])),
            "no body" => (Request() with { Body = null }, Limits),
            "malformed hash" => (Request() with { Announced = new AnnouncedHash("X-Hash", "xyz") }, Limits),
            "other hash" => (Request() with { Announced = new AnnouncedHash("X-Hash", new string('b', 64)) }, Limits),
            _ => (Request() with { AuthorizedSha256 = [new string('b', 64)] }, Limits),
        };

        var result = await Ingest.IngestBlobAsync(request, limits, CancellationToken.None);

        result.Refusal.Should().NotBeNull();
        (result.Refusal!.Kind, result.Refusal.Reason).Should().Be((kind, reason));
        (await Blobs.FindAsync(BodySha256, CancellationToken.None)).Should().BeNull();
    }

    private static IngestRequest Request(string? owner = null) =>
        new(_ => ValueTask.FromResult<Stream>(new MemoryStream(Body)), "text/plain", null, owner, null, null);
}
