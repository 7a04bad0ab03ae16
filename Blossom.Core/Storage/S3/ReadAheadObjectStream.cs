using Blossom.Core.Blobs;
using System.Buffers;

namespace Blossom.Core.Storage.S3;

/// <summary>
/// A large object read whole as consecutive ranged GETs, several running ahead of the reader, so
/// the bucket sends on a few connections at once instead of at the pace of one. The first range
/// streams as it arrives; each later one is fetched whole into a pooled buffer, at most
/// <see cref="Ahead"/> per reader and a store-wide budget in all, so many slow readers hold little
/// memory: a range that found no room in the budget is read streaming once the reader reaches it,
/// as a single GET would. Bytes come out in order, and a failed range fails the read.
/// </summary>
internal sealed class ReadAheadObjectStream : ReadOnlyStream
{
    /// <summary>8 MiB: few requests per blob, and a reader's ranges ahead cost 32 MiB at most.</summary>
    public const int RangeBytes = 8 * 1024 * 1024;

    /// <summary>Ranges fetched ahead of the reader: enough to keep the bucket sending while one range is being served.</summary>
    private const int Ahead = 4;

    private readonly S3BlobStore _store;
    private readonly string _key;
    private readonly SemaphoreSlim _budget;
    private readonly long _end;
    private readonly CancellationTokenSource _stop = new();
    private readonly Queue<(Task<byte[]> Bytes, int Length)> _fetched = new();
    private long _next;
    private Stream? _streaming;
    private byte[]? _buffer;
    private int _bufferLength;
    private int _bufferPosition;

    /// <param name="store">Where the object is.</param>
    /// <param name="key">The object.</param>
    /// <param name="budget">Buffers of <see cref="RangeBytes"/> all readers of the store may hold, one slot each.</param>
    /// <param name="first">The first range, from the object's start, as it arrives.</param>
    /// <param name="firstLength">How many bytes <paramref name="first"/> holds.</param>
    /// <param name="length">The object's length.</param>
    public ReadAheadObjectStream(S3BlobStore store, string key, SemaphoreSlim budget, Stream first, long firstLength, long length)
    {
        _store = store;
        _key = key;
        _budget = budget;
        _end = length;
        _streaming = first;
        _next = firstLength;
        FetchAhead();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_streaming is not null)
            {
                var read = await _streaming.ReadAsync(buffer, cancellationToken);
                if (read > 0)
                    return read;
                await _streaming.DisposeAsync();
                _streaming = null;
            }
            if (_buffer is { } held)
            {
                if (_bufferPosition < _bufferLength)
                {
                    var count = Math.Min(buffer.Length, _bufferLength - _bufferPosition);
                    held.AsMemory(_bufferPosition, count).CopyTo(buffer);
                    _bufferPosition += count;
                    return count;
                }
                _buffer = null;
                Give(held);
            }
            if (_fetched.TryDequeue(out var fetched))
            {
                _buffer = await fetched.Bytes;
                _bufferLength = fetched.Length;
                _bufferPosition = 0;
            }
            else if (_next < _end)
            {
                // No room in the budget when this range came up: it streams, as a single GET would.
                var length = Math.Min(RangeBytes, _end - _next);
                _streaming = await _store.OpenRangeAsync(_key, _next, length, cancellationToken);
                _next += length;
            }
            else
            {
                return 0;
            }
            FetchAhead();
        }
        return 0;
    }

    // Blocking on a remote read is what an asynchronous copy avoids; every reader here reads asynchronously.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _streaming?.Dispose();
            _streaming = null;
            if (_buffer is { } held)
                Give(held);
            _buffer = null;
            _stop.Cancel();
            // Ranges still on their way give their buffers back when they end; a failed one already did.
            var pending = _fetched.Select(range => range.Bytes).ToArray();
            _fetched.Clear();
            foreach (var range in pending)
                _ = range.ContinueWith(done => Give(done.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            _ = Task.WhenAll(pending).ContinueWith(_ => _stop.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
        base.Dispose(disposing);
    }

    /// <summary>Queues ranges until <see cref="Ahead"/> are on their way, the object is covered or the budget is spent.</summary>
    private void FetchAhead()
    {
        while (_fetched.Count < Ahead && _next < _end && _budget.Wait(0))
        {
            var length = (int)Math.Min(RangeBytes, _end - _next);
            _fetched.Enqueue((FetchAsync(_next, length), length));
            _next += length;
        }
    }

    private async Task<byte[]> FetchAsync(long offset, int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var range = await _store.OpenRangeAsync(_key, offset, length, _stop.Token);
            await using (range)
                await range.ReadExactlyAsync(buffer.AsMemory(0, length), _stop.Token);
            return buffer;
        }
        catch
        {
            Give(buffer);
            throw;
        }
    }

    /// <summary>A range's buffer back to the pool, and its slot back to the budget.</summary>
    private void Give(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        _budget.Release();
    }
}
