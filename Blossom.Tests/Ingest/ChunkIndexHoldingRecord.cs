using System.Reflection;
using Blossom.Core.Ingest;

namespace Blossom.Tests.Ingest;

/// <summary>
/// A chunked-upload index that holds back the recording of chunks that reach exactly a given end,
/// until the test lets it go: a chunk whose bytes are stored but not yet recorded, made to happen
/// rather than hoped for.
/// </summary>
public class ChunkIndexHoldingRecord : DispatchProxy
{
    private IChunkedUploadIndex _inner = null!;
    private long _heldEnd;
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once a recording is held.</summary>
    public Task Holding => _holding.Task;

    /// <summary>Lets the held recording go on.</summary>
    public void Release() => _released.TrySetResult();

    public static (IChunkedUploadIndex Index, ChunkIndexHoldingRecord Control) Create(IChunkedUploadIndex inner, long heldEnd)
    {
        var index = Create<IChunkedUploadIndex, ChunkIndexHoldingRecord>();
        var proxy = (ChunkIndexHoldingRecord)(object)index;
        (proxy._inner, proxy._heldEnd) = (inner, heldEnd);
        return (index, proxy);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IChunkedUploadIndex.AddChunksAsync) && args![1] is IReadOnlyList<StoredChunk> chunks && chunks.Max(c => c.End) == _heldEnd)
            return HeldAsync(targetMethod, args);
        return targetMethod.Invoke(_inner, args);
    }

    private async Task<IReadOnlyList<StoredChunk>?> HeldAsync(MethodInfo targetMethod, object?[] args)
    {
        _holding.TrySetResult();
        await _released.Task;
        return await (Task<IReadOnlyList<StoredChunk>?>)targetMethod.Invoke(_inner, args)!;
    }
}
