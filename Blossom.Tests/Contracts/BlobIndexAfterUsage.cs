using System.Reflection;
using Blossom.Core.Blobs;

namespace Blossom.Tests.Contracts;

/// <summary>
/// A blob index that runs a step of the test's after each usage read and before its answer returns:
/// what other writes do in that moment, made to happen rather than hoped for.
/// </summary>
public class BlobIndexAfterUsage : DispatchProxy
{
    private IBlobIndex _inner = null!;
    private Func<Task> _afterUsage = null!;

    public static IBlobIndex Create(IBlobIndex inner, Func<Task> afterUsage)
    {
        var index = Create<IBlobIndex, BlobIndexAfterUsage>();
        var proxy = (BlobIndexAfterUsage)(object)index;
        (proxy._inner, proxy._afterUsage) = (inner, afterUsage);
        return index;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var result = targetMethod.Invoke(_inner, args);
        return targetMethod.Name == nameof(IBlobIndex.UsageAsync) ? ThenAsync((Task<StorageUsage>)result!) : result;
    }

    private async Task<StorageUsage> ThenAsync(Task<StorageUsage> usage)
    {
        var read = await usage;
        await _afterUsage();
        return read;
    }
}
