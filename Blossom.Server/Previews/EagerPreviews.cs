using System.Collections.Concurrent;
using System.Threading.Channels;
using Blossom.Core.Previews;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Sources waiting for their default preview (<c>Previews:Eager</c>). Small and lossy on purpose: a
/// source that finds the queue full, or whose preview fails, gets it on first request instead, and
/// a source already waiting is not queued twice.
/// </summary>
internal sealed class EagerPreviews
{
    public const int Capacity = 256;

    private readonly Channel<string> _sources = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly ConcurrentDictionary<string, byte> _waiting = new(StringComparer.Ordinal);

    /// <summary>Queues a source; false when it was waiting already or the queue is full.</summary>
    public bool Enqueue(string sha256)
    {
        if (!_waiting.TryAdd(sha256, 0))
            return false;
        if (_sources.Writer.TryWrite(sha256))
            return true;
        _waiting.TryRemove(sha256, out _);
        return false;
    }

    public async IAsyncEnumerable<string> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var sha256 in _sources.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            _waiting.TryRemove(sha256, out _);
            yield return sha256;
        }
    }
}

/// <summary>
/// Makes the queued default previews one at a time, so eager previews take at most one of the
/// <c>Previews:Concurrency</c> slots and requests for previews keep the rest.
/// </summary>
internal sealed partial class EagerPreviewService(EagerPreviews queue, PreviewService previews, IOptions<PreviewOptions> options, ILogger<EagerPreviewService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !options.Value.Eager)
            return;
        try
        {
            await foreach (var source in queue.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var result = await previews.GetOrCreateAsync(source, previews.DefaultSpec, stoppingToken).ConfigureAwait(false);
                    if (result.Preview is null)
                        LogNotMade(source, result.Refusal);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogFailed(e, source);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is made on first request.
        }
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Debug, Message = "Previews: no eager preview of {Source}: {Reason}")]
    private partial void LogNotMade(string source, string? reason);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Previews: making the eager preview of {Source} failed")]
    private partial void LogFailed(Exception exception, string source);
}
