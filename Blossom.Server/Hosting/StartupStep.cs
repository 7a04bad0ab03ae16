namespace Blossom.Server;

/// <summary>
/// A feature's preparation at start-up: the database migrated, the stores ready, the media tools checked.
/// It runs in <see cref="IHostedLifecycleService.StartingAsync"/>, which the host calls for every such
/// service, in the order they were registered (so the backends' steps come first), before it starts any
/// hosted service (sweeps, the media worker) and before the server listens: a server that listens is a
/// server that works. A failure stops the start with its own exception.
/// </summary>
internal abstract class StartupStep : IHostedLifecycleService
{
    public abstract Task StartingAsync(CancellationToken cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
