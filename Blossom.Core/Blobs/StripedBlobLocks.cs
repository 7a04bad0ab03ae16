namespace Blossom.Core.Blobs;

/// <summary>The blob sections of a single process: right when one server process owns the store and index.</summary>
public sealed class StripedBlobLocks : IBlobLocks
{
    // Striped by the hash's first byte: a bounded set of locks, and different blobs rarely wait on each other.
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<IAsyncDisposable> EnterAsync(string sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        var gate = _locks[Convert.ToByte(sha256[..2], 16)];
        await gate.WaitAsync(cancellationToken);
        return new Section(gate);
    }

    private sealed class Section(SemaphoreSlim gate) : IAsyncDisposable
    {
        private SemaphoreSlim? _gate = gate;

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _gate, null)?.Release();
            return ValueTask.CompletedTask;
        }
    }
}
