using System.Diagnostics.Metrics;
using Blossom.Core;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Storage.FileSystem;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Blossom.Tests.Ingest;

/// <summary>
/// The rules of chunked uploads (BUD-14) below HTTP, on the real server's services (SQLite and the file
/// system): chunks in any order and at once, what is refused, what is kept, and what goes when.
/// </summary>
public sealed class ChunkedUploadsTests : IDisposable
{
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";
    private const string Type = "application/octet-stream";
    private static readonly IngestLimits Limits = new(10 * 1024 * 1024, []);

    private readonly List<BlossomApplication> _apps = [];
    private readonly List<string> _roots = [];

    public void Dispose()
    {
        _apps.ForEach(a => a.Dispose());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _roots.ForEach(r => Directory.Delete(r, recursive: true));
    }

    [Fact]
    public async Task ReceiveChunk_InOrder_LastCreatesBlobWithoutReadingChunksAgain()
    {
        var app = Start();
        using var reread = new RereadBytes(app);
        var data = BlossomRequests.RandomBlob(3000);

        var outcomes = new List<ChunkOutcome>();
        foreach (var (offset, length) in new[] { (0, 1000), (1000, 1000), (2000, 1000) })
            outcomes.Add(Succeeded(await Send(app, data, offset, length)).Outcome);

        outcomes.Should().Equal(ChunkOutcome.Accepted, ChunkOutcome.Accepted, ChunkOutcome.Created);
        await ShouldBeStoredAsync(app, data, owner: Alice);
        reread.Total.Should().Be(0, "chunks that arrived in order were hashed as they were written");
        ChunkedUploadFolders(app).Should().BeEmpty();
    }

    [Fact]
    public async Task ReceiveChunk_OutOfOrderAndOverlapping_BlobIsExact()
    {
        var app = Start();
        using var reread = new RereadBytes(app);
        var data = BlossomRequests.RandomBlob(5000);

        (await Send(app, data, 3000, 2000)).Outcome.Should().Be(ChunkOutcome.Accepted);
        (await Send(app, data, 0, 1500)).Outcome.Should().Be(ChunkOutcome.Accepted);
        (await Send(app, data, 1000, 1000)).Outcome.Should().Be(ChunkOutcome.Accepted, "a chunk starting inside the spine appends only its new bytes");
        (await Send(app, data, 200, 300)).Outcome.Should().Be(ChunkOutcome.Accepted, "a chunk wholly inside the spine adds nothing");
        var last = Succeeded(await Send(app, data, 1800, 1500));

        last.Outcome.Should().Be(ChunkOutcome.Created);
        last.Blob!.Size.Should().Be(5000);
        await ShouldBeStoredAsync(app, data, owner: Alice);
        reread.Total.Should().Be(2000, "only what lies past the in-order bytes (0-2999) is copied from a chunk file: the last chunk appended to the spine only up to the bytes a chunk file held already");
    }

    [Fact]
    public async Task ReceiveChunk_ManyAtOnce_OneCreatesAndBlobIsExact()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(16 * 64 * 1024);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => Send(app, data, i * 64 * 1024, 64 * 1024))));

        results.Should().AllSatisfy(r => r.Refusal.Should().BeNull());
        results.Count(r => r.Outcome == ChunkOutcome.Created).Should().Be(1);
        // A chunk whose bytes a later in-order chunk's record already counted may find the upload
        // complete when it records its own (see the next test): it answers with the stored blob.
        results.Where(r => r.Outcome != ChunkOutcome.Created).Should().AllSatisfy(r =>
            (r.Outcome == ChunkOutcome.Accepted || (r.Outcome == ChunkOutcome.Existing && r.Blob!.Sha256 == BlossomRequests.Sha256(data))).Should().BeTrue());
        await ShouldBeStoredAsync(app, data, owner: Alice);
    }

    [Fact]
    public async Task ReceiveChunk_ItsBytesCountedByALaterChunkThatCompletedTheUpload_AnswersTheStoredBlob()
    {
        var app = Start();
        var services = app.Services;
        // Chunks in order grow one file, and each records all of it: the second chunk's bytes are
        // counted by the third's record while the second's own record is held back.
        var (index, held) = ChunkIndexHoldingRecord.Create(services.GetRequiredService<IChunkedUploadIndex>(), heldEnd: 2000);
        var uploads = new ChunkedUploads(index, services.GetRequiredService<IChunkedUploadStore>(), Blobs(app),
            services.GetRequiredService<IQuotaReservations>(), services.GetRequiredService<BlobBlocks>(), TimeProvider.System, Uploads(app).Settings);
        var data = BlossomRequests.RandomBlob(3000);

        Succeeded(await Send(uploads, data, 0, 1000)).Outcome.Should().Be(ChunkOutcome.Accepted);
        var second = Send(uploads, data, 1000, 1000);
        await held.Holding.WaitAsync(TimeSpan.FromSeconds(30));
        var third = Succeeded(await Send(uploads, data, 2000, 1000));
        held.Release();

        third.Outcome.Should().Be(ChunkOutcome.Created);
        var answer = Succeeded(await second);
        answer.Outcome.Should().Be(ChunkOutcome.Existing, "the upload it belonged to is complete");
        answer.Blob!.Sha256.Should().Be(BlossomRequests.Sha256(data));
        await ShouldBeStoredAsync(app, data, owner: Alice);
        ChunkedUploadFolders(app).Should().BeEmpty();
    }

    [Fact]
    public async Task ReceiveChunk_OverBytesAnotherChunkIsStoring_WaitsAndStoresOnlyWhatIsStillMissing()
    {
        var app = Start();
        using var reread = new RereadBytes(app);
        var data = BlossomRequests.RandomBlob(4000);
        var slow = new PausingStream(data[..2000], pauseAt: 1000);

        // The slow chunk is storing bytes 0-1999; the whole blob, arriving meanwhile, must not store them again.
        var first = Send(app, data, 0, 2000, body: slow);
        await slow.Paused.WaitAsync(TimeSpan.FromSeconds(30));
        var second = Send(app, data, 0, 4000);
        var waited = await Task.WhenAny(second, Task.Delay(TimeSpan.FromMilliseconds(300))) != second;
        var whileWaiting = ChunkedUploadBytes(app);
        slow.Release();

        Succeeded(await first).Outcome.Should().Be(ChunkOutcome.Accepted);
        Succeeded(await second).Outcome.Should().Be(ChunkOutcome.Created);
        waited.Should().BeTrue("the second chunk waits for the first one's bytes");
        whileWaiting.Should().Be(0, "nothing of the second chunk was written while the first one stored the same bytes");
        await ShouldBeStoredAsync(app, data, owner: Alice);
        reread.Total.Should().Be(0, "the second chunk appended bytes 2000-3999 to the spine: no chunk file was written");
    }

    [Fact]
    public async Task ReceiveChunk_SameChunkRepeatedInTurnAndAtOnce_ItsBytesHeldOnce()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(64 * 1024);

        for (var i = 0; i < 12; i++)
            Succeeded(await Send(app, data, 1, data.Length - 1)).Outcome.Should().Be(ChunkOutcome.Accepted);
        var heldInTurn = ChunkedUploadBytes(app);
        var atOnce = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => Send(app, data, 1, data.Length - 1))));
        var heldAfterOnes = ChunkedUploadBytes(app);

        heldInTurn.Should().Be(data.Length - 1, "a chunk's bytes that the upload holds already are read past, not stored");
        atOnce.Should().AllSatisfy(r => Succeeded(r).Outcome.Should().Be(ChunkOutcome.Accepted));
        heldAfterOnes.Should().Be(data.Length - 1, "chunks over the same bytes at once take turns, and the later ones find them held");
        Succeeded(await Send(app, data, 0, 1)).Outcome.Should().Be(ChunkOutcome.Created);
        await ShouldBeStoredAsync(app, data, owner: Alice);
    }

    [Fact]
    public async Task ReceiveChunk_OverHeldAndMissingBytes_StoresOnlyTheGaps()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(5000);
        Succeeded(await Send(app, data, 1000, 1000));
        Succeeded(await Send(app, data, 3000, 1000));

        Succeeded(await Send(app, data, 500, 4000)).Outcome.Should().Be(ChunkOutcome.Accepted);

        ChunkedUploadBytes(app).Should().Be(4000, "of 500-4499, only 500-999, 2000-2999 and 4000-4499 were missing");
        var status = await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), Alice, CancellationToken.None);
        status!.Held.Should().Equal(new HeldRange(500, 4000));
        Succeeded(await Send(app, data, 0, 5000)).Outcome.Should().Be(ChunkOutcome.Created);
        await ShouldBeStoredAsync(app, data, owner: Alice);
    }

    [Fact]
    public async Task ReceiveChunk_AnotherUploaderSquatsTheHash_OwnUploadGoesOnAndTheSquattersEndsWithIt()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(2000);
        var sha256 = BlossomRequests.Sha256(data);
        // Bob claims the hash first with a length it cannot have, and keeps sending.
        Succeeded(await Uploads(app).ReceiveChunkAsync(Chunk(data, 0, 100, owner: Bob) with { Length = 1999 }, Limits, CancellationToken.None));

        var first = await Send(app, data, 0, 1000);
        var bobsStatus = await Uploads(app).StatusAsync(sha256, Bob, CancellationToken.None);
        var last = await Send(app, data, 1000, 1000);

        Succeeded(first).Outcome.Should().Be(ChunkOutcome.Accepted);
        bobsStatus!.Held.Should().Equal([new HeldRange(0, 100)], "each uploader sees their own upload only");
        Succeeded(last).Outcome.Should().Be(ChunkOutcome.Created);
        (await Blobs(app).OwnersAsync(sha256, CancellationToken.None)).Should().Equal(Alice);
        (await Uploads(app).StatusAsync(sha256, Bob, CancellationToken.None)).Should().BeNull("an upload of another length could never complete");
        ChunkedUploadFolders(app).Should().BeEmpty();
    }

    [Fact]
    public async Task ReceiveChunk_TwoUploadersOfOneBlob_TheFirstStoresItAndTheOtherBecomesAnOwnerAtOnce()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(2000);
        var sha256 = BlossomRequests.Sha256(data);
        Succeeded(await Send(app, data, 0, 500, owner: Bob));
        Succeeded(await Send(app, data, 0, 1000));

        Succeeded(await Send(app, data, 1000, 1000)).Outcome.Should().Be(ChunkOutcome.Created);

        (await Blobs(app).OwnersAsync(sha256, CancellationToken.None)).Should().BeEquivalentTo([Alice, Bob]);
        (await Uploads(app).StatusAsync(sha256, Bob, CancellationToken.None)).Should().BeNull();
        ChunkedUploadFolders(app).Should().BeEmpty();
        Succeeded(await Send(app, data, 500, 500, owner: Bob)).Outcome.Should().Be(ChunkOutcome.Existing, "Bob's next chunk finds the blob his");
    }

    [Fact]
    public async Task ReceiveChunk_AnonymousUploadOfTheHash_NeitherBlocksNorShowsToASignedOne()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(2000);
        var sha256 = BlossomRequests.Sha256(data);
        Succeeded(await Uploads(app).ReceiveChunkAsync(Chunk(data, 0, 100) with { Owner = null, Type = "image/png", Length = 1999 }, Limits, CancellationToken.None));

        var alicesStatus = await Uploads(app).StatusAsync(sha256, Alice, CancellationToken.None);
        Succeeded(await Send(app, data, 0, 1000)).Outcome.Should().Be(ChunkOutcome.Accepted);
        Succeeded(await Send(app, data, 1000, 1000)).Outcome.Should().Be(ChunkOutcome.Created);

        alicesStatus.Should().BeNull("the anonymous upload is not Alice's");
        (await Blobs(app).OwnersAsync(sha256, CancellationToken.None)).Should().Equal(Alice);
        (await Uploads(app).StatusAsync(sha256, null, CancellationToken.None)).Should().BeNull("it ended with the blob stored");
    }

    [Fact]
    public async Task Sweep_UploadWholeButItsCompletionStopped_CompletedOnceTheClaimLapses()
    {
        var app = Start();
        var (uploads, clock) = OnTestClock(app);
        var data = BlossomRequests.RandomBlob(3000);
        var sha256 = BlossomRequests.Sha256(data);
        var index = app.Services.GetRequiredService<IChunkedUploadIndex>();
        Succeeded(await Send(uploads, data, 0, 2000));
        // A node stores the last chunk, claims the completion, and dies before it builds the blob.
        var upload = (await index.FindAsync(sha256, Alice, CancellationToken.None))!;
        var store = app.Services.GetRequiredService<IChunkedUploadStore>();
        var last = await store.WriteChunkAsync(upload.Id, 2000, 1000, new MemoryStream(data, 2000, 1000), CancellationToken.None);
        await index.AddChunksAsync(upload.Id, [last], clock.GetUtcNow(), CancellationToken.None);
        (await index.ClaimCompletionAsync(upload.Id, clock.GetUtcNow(), clock.GetUtcNow() + uploads.Settings.CompletionLease, CancellationToken.None)).Should().BeTrue();

        var resent = await Send(uploads, data, 2000, 1000);
        var whileClaimed = await uploads.SweepAsync(CancellationToken.None);
        clock.Advance(uploads.Settings.CompletionLease + TimeSpan.FromSeconds(1));
        var lapsed = await uploads.SweepAsync(CancellationToken.None);

        whileClaimed.Should().Be(new ChunkedUploadSweep(0, 0), "while the claim holds, its holder may still be at work");
        lapsed.Should().Be(new ChunkedUploadSweep(1, 0), "the sweep completes the upload once its claim lapsed, with no chunk left to send");
        Succeeded(resent).Outcome.Should().Be(ChunkOutcome.Accepted, "while the claim holds, its holder may still be at work");
        await ShouldBeStoredAsync(app, data, owner: Alice);
        ChunkedUploadFolders(app).Should().BeEmpty();
    }

    [Fact]
    public async Task ReceiveChunk_BodyEndsEarly_ChunkIncompleteAndSpineGrowsOnFromItsEnd()
    {
        var app = Start();
        using var reread = new RereadBytes(app);
        var data = BlossomRequests.RandomBlob(3000);
        Succeeded(await Send(app, data, 0, 1000));

        var cut = await Send(app, data, 1000, 1000, body: new MemoryStream(data[1000..1400]));

        (cut.Refusal!.Kind, cut.Refusal.Reason).Should().Be((IngestRefusalKind.ChunkIncomplete, "The chunk ended before its Content-Length of 1000 bytes"));
        Succeeded(await Send(app, data, 1000, 1000)).Outcome.Should().Be(ChunkOutcome.Accepted);
        Succeeded(await Send(app, data, 2000, 1000)).Outcome.Should().Be(ChunkOutcome.Created);
        await ShouldBeStoredAsync(app, data, owner: Alice);
        reread.Total.Should().Be(0, "the cut-off append was undone, hash included");
    }

    [Fact]
    public async Task ReceiveChunk_BytesDoNotHashToPath_HashMismatchAndNothingKept()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(2000);
        var other = BlossomRequests.RandomBlob(2000);
        var sha256 = BlossomRequests.Sha256(data);
        Succeeded(await Send(app, other, 0, 1000, sha256: sha256));

        var last = await Send(app, other, 1000, 1000, sha256: sha256);

        (last.Refusal!.Kind, last.Refusal.Sha256).Should().Be((IngestRefusalKind.HashMismatch, BlossomRequests.Sha256(other)));
        (await Blobs(app).FindAsync(sha256, CancellationToken.None)).Should().BeNull();
        (await Blobs(app).FindAsync(BlossomRequests.Sha256(other), CancellationToken.None)).Should().BeNull();
        (await Uploads(app).StatusAsync(sha256, Alice, CancellationToken.None)).Should().BeNull();
        ChunkedUploadFolders(app).Should().BeEmpty();
        Directory.EnumerateFiles(Path.Combine(app.StoragePath, ".tmp")).Should().BeEmpty();
    }

    public static TheoryData<string, IngestRefusalKind, string> Refusals => new()
    {
        { "outside", IngestRefusalKind.OutsideUpload, "The chunk's bytes 900-1099 lie outside the upload's 1000 bytes" },
        { "other length", IngestRefusalKind.InconsistentUpload, "Upload-Length 999 differs from the 1000 of this upload's earlier chunks" },
        { "other type", IngestRefusalKind.InconsistentUpload, "Upload-Type image/png differs from the application/octet-stream of this upload's earlier chunks" },
        { "type", IngestRefusalKind.TypeNotAllowed, "This server does not accept image/png; allowed: text/*, application/*" },
        { "too large", IngestRefusalKind.TooLarge, "Blob is larger than this server's limit of 10485760 bytes" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task ReceiveChunk_Refused_KindReasonAndUploadUnchanged(string what, IngestRefusalKind kind, string reason)
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(1000);
        Succeeded(await Send(app, data, 0, 500));
        var request = Chunk(data, 500, 200);

        var result = await Uploads(app).ReceiveChunkAsync(what switch
        {
            "outside" => request with { Offset = 900 },
            "other length" => request with { Length = 999 },
            "other type" => request with { Type = "image/png" },
            "too large" => request with { Length = Limits.MaxSizeBytes + 1 },
            _ => request with { Type = "image/png" },
        }, what == "type" ? Limits with { AllowedTypes = ["text/*", "application/*"] } : Limits, CancellationToken.None);

        (result.Refusal!.Kind, result.Refusal.Reason).Should().Be((kind, reason));
        var status = await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), Alice, CancellationToken.None);
        status!.Held.Should().Equal(new HeldRange(0, 500));
    }

    [Fact]
    public async Task Status_SomeChunksHeld_RangesContiguousBytesAndExpiry()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(1000);
        var before = DateTimeOffset.UtcNow;
        Succeeded(await Send(app, data, 600, 200));
        Succeeded(await Send(app, data, 0, 200));
        Succeeded(await Send(app, data, 100, 200));
        Succeeded(await Send(app, data, 800, 100));

        var status = await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), Alice, CancellationToken.None);

        (status!.Type, status.Length, status.ContiguousBytes).Should().Be((Type, 1000L, 300L));
        status.Held.Should().Equal(new HeldRange(0, 300), new HeldRange(600, 300));
        status.ExpiresAt.Should().BeOnOrAfter(before.AddSeconds(60).AddMilliseconds(-1)).And.BeOnOrBefore(DateTimeOffset.UtcNow.AddSeconds(60));
    }

    [Fact]
    public async Task ReceiveChunk_EmptyBlob_CreatedAtOnce()
    {
        var app = Start();

        var result = await Send(app, [], 0, 0);

        Succeeded(result).Outcome.Should().Be(ChunkOutcome.Created);
        await ShouldBeStoredAsync(app, [], owner: Alice);
    }

    [Fact]
    public async Task ReceiveChunk_BlobAlreadyOwned_ExistingWithoutAnUpload()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(1000);
        Succeeded(await Send(app, data, 0, 1000));

        var again = await Send(app, data, 0, 500, body: new MemoryStream());

        Succeeded(again).Outcome.Should().Be(ChunkOutcome.Existing, "a chunk resent after completion finds the blob; its body is not read");
        again.Blob!.Sha256.Should().Be(BlossomRequests.Sha256(data));
        (await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), Alice, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task ReceiveChunk_BlobOfAnotherOwner_TheSenderBecomesAnOwnerAtOnce()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(1000);
        Succeeded(await Send(app, data, 0, 1000, owner: Bob));

        var joined = await Send(app, data, 0, 600, body: new MemoryStream());

        Succeeded(joined).Outcome.Should().Be(ChunkOutcome.Existing, "as a whole upload of the stored bytes would, without sending them all");
        (await Blobs(app).OwnersAsync(BlossomRequests.Sha256(data), CancellationToken.None)).Should().BeEquivalentTo([Alice, Bob]);
        (await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), Alice, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task ReceiveChunk_BlobOfAnotherOwnerBeyondTheQuota_QuotaExceeded()
    {
        var app = Start(new() { ["Blossom:Upload:QuotaBytesPerPubkey"] = "1500" });
        var alices = BlossomRequests.RandomBlob(800);
        Succeeded(await Send(app, alices, 0, 800));
        var data = BlossomRequests.RandomBlob(1000);
        Succeeded(await Send(app, data, 0, 1000, owner: Bob));

        var refused = await Send(app, data, 0, 100);

        (refused.Refusal!.Kind, refused.Refusal.Reason).Should().Be((IngestRefusalKind.QuotaExceeded, "Storage quota exceeded: your blobs take 800 of 1500 bytes and this one needs 1000"));
        (await Blobs(app).OwnersAsync(BlossomRequests.Sha256(data), CancellationToken.None)).Should().Equal(Bob);
    }

    [Fact]
    public async Task ReceiveChunk_QuotaHeldByChunkedUpload_RefusedUntilItExpires()
    {
        var app = Start(new() { ["Blossom:Upload:QuotaBytesPerPubkey"] = "1500" });
        var (uploads, clock) = OnTestClock(app);
        var first = BlossomRequests.RandomBlob(1000);
        var second = BlossomRequests.RandomBlob(1000);
        Succeeded(await Send(uploads, first, 0, 100));

        var refused = await Send(uploads, second, 0, 100);

        (refused.Refusal!.Kind, refused.Refusal.Reason).Should().Be((IngestRefusalKind.QuotaExceeded, "Storage quota exceeded: your blobs take 1000 of 1500 bytes and this one needs 1000"));
        (await uploads.StatusAsync(BlossomRequests.Sha256(second), Alice, CancellationToken.None)).Should().BeNull();
        clock.Advance(uploads.Settings.IdleTimeout - TimeSpan.FromSeconds(1));
        (await uploads.SweepAsync(CancellationToken.None)).Discarded.Should().Be(0, "the upload is not idle before its timeout");
        (await Send(uploads, second, 0, 100)).Refusal!.Kind.Should().Be(IngestRefusalKind.QuotaExceeded, "the upload still holds its room");
        // The sweep discards the idle upload, which frees its room.
        clock.Advance(TimeSpan.FromSeconds(2));
        (await uploads.SweepAsync(CancellationToken.None)).Discarded.Should().Be(1);
        ChunkedUploadFolders(app).Should().BeEmpty("the idle upload's chunks should be removed");
        (await uploads.StatusAsync(BlossomRequests.Sha256(first), Alice, CancellationToken.None)).Should().BeNull();
        Succeeded(await Send(uploads, second, 0, 100)).Outcome.Should().Be(ChunkOutcome.Accepted);
    }

    [Fact]
    public async Task ReceiveChunk_SlowerThanTimeout_UploadKeptWhileArrivingThenSweptWhenIdle()
    {
        var app = Start();
        var (uploads, clock) = OnTestClock(app);
        var data = BlossomRequests.RandomBlob(1000);
        var sha256 = BlossomRequests.Sha256(data);
        var slow = new PausingStream(data[..500], pauseAt: 100);
        var held = Send(uploads, data, 0, 500, body: slow);
        await slow.Paused.WaitAsync(TimeSpan.FromSeconds(30));
        var expires = (await uploads.StatusAsync(sha256, Alice, CancellationToken.None))!.ExpiresAt;

        // Past the timeout, a third of it at a time: the keep-alive marks the upload at each of those ticks.
        for (var tick = 0; tick < 4; tick++)
        {
            var before = (await uploads.StatusAsync(sha256, Alice, CancellationToken.None))!.ExpiresAt;
            clock.Advance(uploads.Settings.IdleTimeout / 3);
            await Poll.UntilAsync(async () => (await uploads.StatusAsync(sha256, Alice, CancellationToken.None))!.ExpiresAt > before,
                "a chunk still arriving should keep its upload alive", uploads.Settings.IdleTimeout / 2);
        }
        (await uploads.StatusAsync(sha256, Alice, CancellationToken.None))!.ExpiresAt.Should().BeAfter(expires + uploads.Settings.IdleTimeout, "kept alive well past the timeout");
        (await uploads.SweepAsync(CancellationToken.None)).Discarded.Should().Be(0, "an upload whose chunk is arriving is not idle");
        slow.Release();
        Succeeded(await held).Outcome.Should().Be(ChunkOutcome.Accepted);
        clock.Advance(uploads.Settings.IdleTimeout + TimeSpan.FromSeconds(1));
        (await uploads.SweepAsync(CancellationToken.None)).Discarded.Should().Be(1, "the idle upload should be swept");
        ChunkedUploadFolders(app).Should().BeEmpty();
        var late = await Send(uploads, data, 500, 500);

        late.Outcome.Should().Be(ChunkOutcome.Accepted, "a chunk after the sweep starts a new upload, which lacks the first half");
        (await uploads.StatusAsync(sha256, Alice, CancellationToken.None))!.Held.Should().Equal(new HeldRange(500, 500));
    }

    [Fact]
    public async Task ReceiveChunk_UploadGoneWhileArriving_UploadExpired()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(1000);
        var slow = new PausingStream(data[..500], pauseAt: 100);
        var held = Send(app, data, 0, 500, body: slow);
        await slow.Paused.WaitAsync(TimeSpan.FromSeconds(30));

        // What another node's sweep does to an upload it saw idle.
        var index = app.Services.GetRequiredService<IChunkedUploadIndex>();
        await index.RemoveAsync((await index.FindAsync(BlossomRequests.Sha256(data), Alice, CancellationToken.None))!.Id, CancellationToken.None);
        slow.Release();
        var result = await held;

        (result.Refusal!.Kind, result.Refusal.Reason).Should().Be((IngestRefusalKind.UploadExpired, "The partial upload expired while this chunk arrived; start the upload again"));
    }

    [Fact]
    public async Task ReceiveChunk_AfterRestart_ResumesAndHashesTheEarlierSpineOnce()
    {
        var root = Directory.CreateTempSubdirectory("blossom-chunks-").FullName;
        _roots.Add(root);
        var data = BlossomRequests.RandomBlob(4000);
        using (var first = new BlossomApplication(dataRoot: root))
        {
            first.Start();
            Succeeded(await Send(first, data, 0, 1000));
            Succeeded(await Send(first, data, 1000, 1000));
        }

        var second = Start(root: root);
        using var reread = new RereadBytes(second);
        (await Uploads(second).StatusAsync(BlossomRequests.Sha256(data), Alice, CancellationToken.None))!.ContiguousBytes.Should().Be(2000);
        Succeeded(await Send(second, data, 2000, 1000)).Outcome.Should().Be(ChunkOutcome.Accepted);
        Succeeded(await Send(second, data, 3000, 1000)).Outcome.Should().Be(ChunkOutcome.Created);

        await ShouldBeStoredAsync(second, data, owner: Alice);
        reread.Total.Should().Be(4000, "without the spine's running hash, which went with the process, the blob is rebuilt from its chunks");
    }

    [Fact]
    public async Task ReceiveChunk_TwoNodesOnOneFolder_EitherCompletesFromTheOthersChunks()
    {
        var app = Start();
        // A second node: its own chunk store (and spines) over the same folder and database.
        var services = app.Services;
        var secondStore = new FileSystemChunkedUploadStore(services.GetRequiredService<FileSystemBlobStore>(), services.GetRequiredService<BlossomMetrics>());
        var second = new ChunkedUploads(services.GetRequiredService<IChunkedUploadIndex>(), secondStore, Blobs(app),
            services.GetRequiredService<IQuotaReservations>(), services.GetRequiredService<BlobBlocks>(), TimeProvider.System, Uploads(app).Settings);
        var data = BlossomRequests.RandomBlob(3000);

        Succeeded(await Send(app, data, 0, 1000));
        Succeeded(await Send(app, data, 1000, 1000));
        var completed = await second.ReceiveChunkAsync(Chunk(data, 2000, 1000), Limits, CancellationToken.None);

        Succeeded(completed).Outcome.Should().Be(ChunkOutcome.Created, "the second node reads the first node's spine without writing into it");
        await ShouldBeStoredAsync(app, data, owner: Alice);
    }

    private BlossomApplication Start(Dictionary<string, string?>? settings = null, string? root = null)
    {
        var app = new BlossomApplication(settings, root);
        _apps.Add(app);
        app.Start();
        return app;
    }

    private static ChunkedUploads Uploads(BlossomApplication app) => app.Services.GetRequiredService<ChunkedUploads>();

    /// <summary>
    /// The app's upload rules over its index, store, blobs and quotas, on a clock the test moves: idle
    /// timeouts, claims and keep-alive ticks come when the test advances it, and sweeps when it calls them.
    /// The clock starts at the real time and only goes forward, so the app's own sweep, on the real
    /// clock, never finds these uploads idle.
    /// </summary>
    private static (ChunkedUploads Uploads, FakeTimeProvider Clock) OnTestClock(BlossomApplication app)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = app.Services;
        var uploads = new ChunkedUploads(services.GetRequiredService<IChunkedUploadIndex>(), services.GetRequiredService<IChunkedUploadStore>(), Blobs(app),
            services.GetRequiredService<IQuotaReservations>(), services.GetRequiredService<BlobBlocks>(), clock, Uploads(app).Settings);
        return (uploads, clock);
    }

    private static BlobService Blobs(BlossomApplication app) => app.Services.GetRequiredService<BlobService>();

    /// <summary>The folders of chunked uploads in the store's temp area, one per upload.</summary>
    private static List<string> ChunkedUploadFolders(BlossomApplication app)
    {
        var root = Path.Combine(app.StoragePath, ".tmp", "partial");
        return Directory.Exists(root) ? Directory.EnumerateDirectories(root).ToList() : [];
    }

    /// <summary>Every byte the chunked uploads' files hold.</summary>
    private static long ChunkedUploadBytes(BlossomApplication app) =>
        ChunkedUploadFolders(app).SelectMany(Directory.EnumerateFiles).Sum(f => new FileInfo(f).Length);

    private static ChunkRequest Chunk(byte[] data, int offset, int length, string owner = Alice, Stream? body = null, string? sha256 = null) =>
        new(sha256 ?? BlossomRequests.Sha256(data), owner, Type, data.Length, offset, length,
            _ => ValueTask.FromResult(body ?? new MemoryStream(data, offset, length)));

    private static Task<ChunkResult> Send(BlossomApplication app, byte[] data, int offset, int length, string owner = Alice, Stream? body = null, string? sha256 = null) =>
        Send(Uploads(app), data, offset, length, owner, body, sha256);

    private static Task<ChunkResult> Send(ChunkedUploads uploads, byte[] data, int offset, int length, string owner = Alice, Stream? body = null, string? sha256 = null) =>
        uploads.ReceiveChunkAsync(Chunk(data, offset, length, owner, body, sha256), Limits, CancellationToken.None);

    private static ChunkResult Succeeded(ChunkResult result)
    {
        result.Refusal.Should().BeNull(result.Refusal?.Reason);
        return result;
    }

    private static async Task ShouldBeStoredAsync(BlossomApplication app, byte[] data, string owner)
    {
        var sha256 = BlossomRequests.Sha256(data);
        (await Blobs(app).FindAsync(sha256, CancellationToken.None))!.Size.Should().Be(data.Length);
        (await Blobs(app).OwnersAsync(sha256, CancellationToken.None)).Should().Contain(owner);
        var content = (await Blobs(app).Store.OpenReadAsync(sha256, 0, null, CancellationToken.None))!;
        await using (content)
        {
            using var copy = new MemoryStream();
            await content.Stream.CopyToAsync(copy);
            copy.ToArray().Should().Equal(data);
        }
    }

    /// <summary>Adds up <c>blossom.partial_uploads.reread_bytes</c> of one server.</summary>
    private sealed class RereadBytes : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public RereadBytes(BlossomApplication app)
        {
            var meter = app.Services.GetRequiredService<BlossomMetrics>().Meter;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && instrument.Name == "blossom.partial_uploads.reread_bytes")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>A body that stops after <c>pauseAt</c> bytes until released, as a slow client's chunk does.</summary>
    private sealed class PausingStream(byte[] data, int pauseAt) : ReadOnlyStream
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public Task Paused => _paused.Task;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == pauseAt)
            {
                _paused.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }
            var end = _position < pauseAt ? pauseAt : data.Length;
            var count = Math.Min(buffer.Length, end - _position);
            data.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
