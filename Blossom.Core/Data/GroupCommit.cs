namespace Blossom.Core.Data;

/// <summary>
/// Lets concurrent callers share one durable write: each call queues its item, and one drain at a
/// time hands everything queued so far to <c>commitBatch</c> (one transaction, one fsync), then
/// completes every caller of that batch with its own result. While a batch is being made durable
/// the next one gathers, so the cost of a sync is paid once per batch, not once per caller, and a
/// lone caller waits for no timer.
/// </summary>
/// <remarks>
/// A caller's wait cannot be cancelled: once queued, its item is committed or fails with the batch,
/// and the caller must learn which (a blob whose row was committed must not lose its file).
/// <c>commitBatch</c> returns one result per item, in order, or throws: a thrown batch is retried
/// item by item, so one bad item fails only its own caller.
/// </remarks>
public sealed class GroupCommit<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> commitBatch, int maxBatch = 256)
{
    private readonly Lock _gate = new();
    private List<(TItem Item, TaskCompletionSource<TResult> Done)> _queued = [];
    private bool _draining;

    public Task<TResult> RunAsync(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            _queued.Add((item, done));
            start = !_draining;
            _draining = true;
        }
        // The drain runs apart from any caller, so no request waits on batches after its own.
        if (start)
            _ = Task.Run(DrainAsync);
        return done.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TResult> Done)> batch;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _draining = false;
                    return;
                }
                if (_queued.Count <= maxBatch)
                {
                    batch = _queued;
                    _queued = [];
                }
                else
                {
                    batch = _queued[..maxBatch];
                    _queued.RemoveRange(0, maxBatch);
                }
            }
            await CommitAsync(batch);
        }
    }

    private async Task CommitAsync(List<(TItem Item, TaskCompletionSource<TResult> Done)> batch)
    {
        var results = await TryCommitAsync([.. batch.Select(b => b.Item)]);
        if (results.Failure is not null && batch.Count > 1)
        {
            // Whatever failed the batch is each item's to meet again on its own.
            foreach (var (item, done) in batch)
                Complete(done, await TryCommitAsync([item]), 0);
            return;
        }
        for (var i = 0; i < batch.Count; i++)
            Complete(batch[i].Done, results, i);
    }

    private async Task<(IReadOnlyList<TResult>? Results, Exception? Failure)> TryCommitAsync(IReadOnlyList<TItem> items)
    {
        try
        {
            return (await commitBatch(items), null);
        }
#pragma warning disable CA1031 // The failure is handed to the callers, who wait for it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (null, e);
        }
    }

    private static void Complete(TaskCompletionSource<TResult> done, (IReadOnlyList<TResult>? Results, Exception? Failure) outcome, int index)
    {
        if (outcome.Failure is not null)
            done.SetException(outcome.Failure);
        else
            done.SetResult(outcome.Results![index]);
    }
}
