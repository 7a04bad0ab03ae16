using System.Diagnostics.Metrics;
using Blossom.Core;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Storage.FileSystem;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Ingest;

/// <summary>
/// The rules of multi-part uploads (BUD-14) below HTTP, on the real server's services (SQLite and the file
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
        Directory.Exists(PartialFolder(app, data)).Should().BeFalse();
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
        reread.Total.Should().Be(1700, "only what lies past the in-order bytes (0-3299) is copied from a chunk file");
    }

    [Fact]
    public async Task ReceiveChunk_ManyAtOnce_OneCreatesAndBlobIsExact()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(16 * 64 * 1024);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => Send(app, data, i * 64 * 1024, 64 * 1024))));

        results.Should().AllSatisfy(r => r.Refusal.Should().BeNull());
        results.Count(r => r.Outcome == ChunkOutcome.Created).Should().Be(1);
        results.Count(r => r.Outcome == ChunkOutcome.Accepted).Should().Be(15);
        await ShouldBeStoredAsync(app, data, owner: Alice);
    }

    [Fact]
    public async Task ReceiveChunk_WhileAnotherAppends_GoesToItsOwnFileAndCompletionWaitsForTheAppend()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(4000);
        var slow = new PausingStream(data[..2000], pauseAt: 1000);

        // The slow chunk holds the spine; the whole blob, arriving meanwhile, must not write into it.
        var first = Send(app, data, 0, 2000, body: slow);
        await slow.Paused.WaitAsync(TimeSpan.FromSeconds(30));
        var second = Send(app, data, 0, 4000);
        await Poll.UntilAsync(() => Task.FromResult(Directory.EnumerateFiles(PartialFolder(app, data)).Any(f => !Path.GetFileName(f).StartsWith("spine-", StringComparison.Ordinal))), "the second chunk should be written to a file of its own");
        second.IsCompleted.Should().BeFalse("the completion waits until the spine's appender has left");
        slow.Release();

        Succeeded(await second).Outcome.Should().Be(ChunkOutcome.Created);
        Succeeded(await first).Outcome.Should().BeOneOf([ChunkOutcome.Accepted, ChunkOutcome.Existing], "its upload is completing or completed meanwhile");
        await ShouldBeStoredAsync(app, data, owner: Alice);
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
        (await Uploads(app).StatusAsync(sha256, CancellationToken.None)).Should().BeNull();
        Directory.Exists(Path.Combine(app.StoragePath, ".tmp", "partial", sha256)).Should().BeFalse();
        Directory.EnumerateFiles(Path.Combine(app.StoragePath, ".tmp")).Should().BeEmpty();
    }

    public static TheoryData<string, IngestRefusalKind, string> Refusals => new()
    {
        { "outside", IngestRefusalKind.OutsideUpload, "The chunk's bytes 900-1099 lie outside the upload's 1000 bytes" },
        { "other length", IngestRefusalKind.InconsistentUpload, "Upload-Length 999 differs from the 1000 of this upload's earlier chunks" },
        { "other type", IngestRefusalKind.InconsistentUpload, "Upload-Type image/png differs from the application/octet-stream of this upload's earlier chunks" },
        { "other pubkey", IngestRefusalKind.NotYourUpload, "Another uploader's partial upload of this blob is under way; only its own chunks are accepted" },
        { "anonymous", IngestRefusalKind.NotYourUpload, "Another uploader's partial upload of this blob is under way; only its own chunks are accepted" },
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
            "other pubkey" => request with { Owner = Bob },
            "anonymous" => request with { Owner = null },
            "too large" => request with { Length = Limits.MaxSizeBytes + 1 },
            _ => request with { Type = "image/png" },
        }, what == "type" ? Limits with { AllowedTypes = ["text/*", "application/*"] } : Limits, CancellationToken.None);

        (result.Refusal!.Kind, result.Refusal.Reason).Should().Be((kind, reason));
        var status = await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), CancellationToken.None);
        status!.Held.Should().Equal(new PartialRange(0, 500));
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

        var status = await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), CancellationToken.None);

        (status!.Owner, status.Type, status.Length, status.ContiguousBytes).Should().Be((Alice, Type, 1000L, 300L));
        status.Held.Should().Equal(new PartialRange(0, 300), new PartialRange(600, 300));
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
        (await Uploads(app).StatusAsync(BlossomRequests.Sha256(data), CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task ReceiveChunk_BlobOfAnotherOwner_NewUploadMakesTheSenderAnOwner()
    {
        var app = Start();
        var data = BlossomRequests.RandomBlob(1000);
        Succeeded(await Send(app, data, 0, 1000, owner: Bob));

        (await Send(app, data, 0, 600)).Outcome.Should().Be(ChunkOutcome.Accepted, "Alice must send the bytes to own them");
        Succeeded(await Send(app, data, 600, 400)).Outcome.Should().Be(ChunkOutcome.Existing);

        (await Blobs(app).OwnersAsync(BlossomRequests.Sha256(data), CancellationToken.None)).Should().BeEquivalentTo([Alice, Bob]);
    }

    [Fact]
    public async Task ReceiveChunk_QuotaHeldByPartialUpload_RefusedUntilItExpires()
    {
        var app = Start(new() { ["Blossom:Upload:QuotaBytesPerPubkey"] = "1500", ["Blossom:Upload:PartialTimeoutSeconds"] = "1" });
        var first = BlossomRequests.RandomBlob(1000);
        var second = BlossomRequests.RandomBlob(1000);
        Succeeded(await Send(app, first, 0, 100));

        var refused = await Send(app, second, 0, 100);

        (refused.Refusal!.Kind, refused.Refusal.Reason).Should().Be((IngestRefusalKind.QuotaExceeded, "Storage quota exceeded: your blobs take 1000 of 1500 bytes and this one needs 1000"));
        (await Uploads(app).StatusAsync(BlossomRequests.Sha256(second), CancellationToken.None)).Should().BeNull();
        // The sweep service discards the idle upload, which frees its room.
        await Poll.UntilAsync(() => Task.FromResult(!Directory.Exists(PartialFolder(app, first))), "the idle upload's chunks should be removed");
        (await Uploads(app).StatusAsync(BlossomRequests.Sha256(first), CancellationToken.None)).Should().BeNull();
        Succeeded(await Send(app, second, 0, 100)).Outcome.Should().Be(ChunkOutcome.Accepted);
    }

    [Fact]
    public async Task ReceiveChunk_SlowerThanTimeout_UploadKeptWhileArrivingThenSweptWhenIdle()
    {
        var app = Start(new() { ["Blossom:Upload:PartialTimeoutSeconds"] = "1" });
        var data = BlossomRequests.RandomBlob(1000);
        var sha256 = BlossomRequests.Sha256(data);
        var slow = new PausingStream(data[..500], pauseAt: 100);
        var held = Send(app, data, 0, 500, body: slow);
        await slow.Paused.WaitAsync(TimeSpan.FromSeconds(30));
        var expires = (await Uploads(app).StatusAsync(sha256, CancellationToken.None))!.ExpiresAt;

        await Poll.UntilAsync(async () => (await Uploads(app).StatusAsync(sha256, CancellationToken.None))!.ExpiresAt > expires.AddSeconds(2),
            "a chunk still arriving should keep its upload alive well past the timeout");
        slow.Release();
        Succeeded(await held).Outcome.Should().Be(ChunkOutcome.Accepted);
        await Poll.UntilAsync(() => Task.FromResult(!Directory.Exists(PartialFolder(app, data))), "the idle upload should be swept");
        var late = await Send(app, data, 500, 500);

        late.Outcome.Should().Be(ChunkOutcome.Accepted, "a chunk after the sweep starts a new upload, which lacks the first half");
        (await Uploads(app).StatusAsync(sha256, CancellationToken.None))!.Held.Should().Equal(new PartialRange(500, 500));
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
        await app.Services.GetRequiredService<IPartialUploadIndex>().RemoveAsync(BlossomRequests.Sha256(data), CancellationToken.None);
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
        (await Uploads(second).StatusAsync(BlossomRequests.Sha256(data), CancellationToken.None))!.ContiguousBytes.Should().Be(2000);
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
        var secondStore = new FileSystemPartialUploadStore((FileSystemBlobStore)Blobs(app).Store, services.GetRequiredService<BlossomMetrics>());
        var second = new ChunkedUploads(services.GetRequiredService<IPartialUploadIndex>(), secondStore, Blobs(app),
            services.GetRequiredService<IQuotaReservations>(), TimeProvider.System, Uploads(app).Settings);
        var data = BlossomRequests.RandomBlob(3000);

        Succeeded(await Send(app, data, 0, 1000));
        Succeeded(await Send(app, data, 1000, 1000));
        var completed = await second.ReceiveChunkAsync(Chunk(data, 2000, 1000), Limits, CancellationToken.None);

        Succeeded(completed).Outcome.Should().Be(ChunkOutcome.Created, "the second node reads the first node's spine without writing into it");
        await ShouldBeStoredAsync(app, data, owner: Alice);

        // The first node's spine went with the folder; a new upload of the same bytes must not find it.
        Succeeded(await Send(app, data, 0, 1500, owner: Bob)).Outcome.Should().Be(ChunkOutcome.Accepted);
        var again = await second.ReceiveChunkAsync(Chunk(data, 1500, 1500, owner: Bob), Limits, CancellationToken.None);
        Succeeded(again).Outcome.Should().Be(ChunkOutcome.Existing);
        await ShouldBeStoredAsync(app, data, owner: Bob);
    }

    private BlossomApplication Start(Dictionary<string, string?>? settings = null, string? root = null)
    {
        var app = new BlossomApplication(settings, root);
        _apps.Add(app);
        app.Start();
        return app;
    }

    private static ChunkedUploads Uploads(BlossomApplication app) => app.Services.GetRequiredService<ChunkedUploads>();

    private static BlobService Blobs(BlossomApplication app) => app.Services.GetRequiredService<BlobService>();

    private static string PartialFolder(BlossomApplication app, byte[] data) => Path.Combine(app.StoragePath, ".tmp", "partial", BlossomRequests.Sha256(data));

    private static ChunkRequest Chunk(byte[] data, int offset, int length, string owner = Alice, Stream? body = null, string? sha256 = null) =>
        new(sha256 ?? BlossomRequests.Sha256(data), owner, Type, data.Length, offset, length,
            _ => ValueTask.FromResult(body ?? new MemoryStream(data, offset, length)));

    private static Task<ChunkResult> Send(BlossomApplication app, byte[] data, int offset, int length, string owner = Alice, Stream? body = null, string? sha256 = null) =>
        Uploads(app).ReceiveChunkAsync(Chunk(data, offset, length, owner, body, sha256), Limits, CancellationToken.None);

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
    private sealed class PausingStream(byte[] data, int pauseAt) : Stream
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

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
