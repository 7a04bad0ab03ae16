namespace Blossom.Core.Ingest;

/// <summary>
/// The byte ranges of each chunked upload that chunks in this process are storing right now. A chunk
/// over bytes another chunk is storing waits for it, then keeps only what is still missing: otherwise
/// the same chunk sent many times at once would be stored as many times.
/// </summary>
internal sealed class ChunksInFlight
{
    private readonly Dictionary<string, List<Entry>> _byUpload = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Holds <paramref name="range"/> of upload <paramref name="id"/> once no other chunk holds a byte of it; dispose to let go.</summary>
    public async Task<IDisposable> EnterAsync(string id, HeldRange range, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task busy;
            lock (_lock)
            {
                if (!_byUpload.TryGetValue(id, out var entries))
                    _byUpload[id] = entries = [];
                if (entries.Find(e => e.Range.Start < range.End && range.Start < e.Range.End) is not { } overlapping)
                {
                    var entry = new Entry(this, id, range);
                    entries.Add(entry);
                    return entry;
                }
                busy = overlapping.Left.Task;
            }
            await busy.WaitAsync(cancellationToken);
        }
    }

    private void Leave(Entry entry)
    {
        lock (_lock)
        {
            var entries = _byUpload[entry.Id];
            entries.Remove(entry);
            if (entries.Count == 0)
                _byUpload.Remove(entry.Id);
        }
        entry.Left.TrySetResult();
    }

    private sealed class Entry(ChunksInFlight owner, string id, HeldRange range) : IDisposable
    {
        private int _disposed;

        public string Id { get; } = id;

        public HeldRange Range { get; } = range;

        public TaskCompletionSource Left { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Leave(this);
        }
    }
}
