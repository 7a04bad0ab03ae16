using Blossom.Core.Previews;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// Makes the default previews <see cref="PreviewLifecycle"/> queued, one at a time, so eager previews take at most one of the
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
            await foreach (var source in queue.ReadAllAsync(stoppingToken))
            {
                try
                {
                    var result = await previews.GetOrCreateAsync(source, previews.DefaultSpec, stoppingToken);
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
