using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Blossom.Core.Blobs;
using Blossom.Core.Storage.FileSystem;

namespace Blossom.Benchmarks;

/// <summary>
/// <see cref="FileSystemBlobStore"/> receiving a blob from a stream (hash while writing, fsync,
/// rename under its hash) and deleting it, beside what the same bytes cost to only hash or only write,
/// so the store's own overhead shows. Every case handles the whole buffer once per operation.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private byte[] _buffer = [];
    private string _root = "";
    private FileSystemBlobStore _store = null!;

    [Params(1, 64)]
    public int SizeMiB { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _buffer = new byte[SizeMiB * 1024 * 1024];
        RandomNumberGenerator.Fill(_buffer); // incompressible, like most media
        _root = Path.Combine(Path.GetTempPath(), "blossom-bench-" + Guid.NewGuid().ToString("N"));
        _store = new FileSystemBlobStore(Path.Combine(_root, "blobs"));
        await _store.InitializeAsync(CancellationToken.None);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true, Description = "SHA256.HashData")]
    public byte[] Sha256() => SHA256.HashData(_buffer);

    [Benchmark(Description = "FileStream write + delete")]
    public void FileStreamWrite()
    {
        var path = Path.Combine(_root, "plain");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            file.Write(_buffer);
        File.Delete(path);
    }

    [Benchmark(Description = "FileStream write + fsync + delete")]
    public void FileStreamWriteFsync()
    {
        var path = Path.Combine(_root, "plain");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(_buffer);
            file.Flush(flushToDisk: true); // the store flushes to disk before its rename, so compare with this too
        }
        File.Delete(path);
    }

    [Benchmark(Description = "SHA256 + FileStream write + fsync + delete")]
    public byte[] HashThenWriteFsync()
    {
        // The store's work done by hand, one after the other with no streaming: its floor.
        var hash = SHA256.HashData(_buffer);
        FileStreamWriteFsync();
        return hash;
    }

    [Benchmark(Description = "FileSystemBlobStore receive + commit + delete")]
    public async Task<ReceivedBlob> StoreReceiveCommitDelete()
    {
        var pending = await _store.BeginWriteAsync(expectedSha256: null, CancellationToken.None);
        await using (pending)
        {
            using var source = new MemoryStream(_buffer, writable: false);
            var received = await pending.ReceiveAsync(source, long.MaxValue, CancellationToken.None);
            if (!await pending.CommitAsync(CancellationToken.None))
                throw new InvalidOperationException("The blob was already stored: the previous operation did not delete it.");
            if (!await _store.DeleteAsync(received.Sha256, CancellationToken.None))
                throw new InvalidOperationException("The committed blob was not found.");
            return received;
        }
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new MebibytesPerSecondColumn(nameof(SizeMiB)));
    }
}
