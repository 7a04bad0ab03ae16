namespace Blossom.Server.Backends;

/// <summary>
/// A backend's preparation at start-up. It runs in <see cref="IHostedLifecycleService.StartingAsync"/>,
/// which the host calls for every such service, in the order they were registered, before it starts any
/// hosted service (sweeps, the media worker) and before the server listens: a server that listens is
/// a server whose database and stores are ready. A failure stops the start with its own exception.
/// </summary>
internal abstract class BackendStartup : IHostedLifecycleService
{
    public abstract Task StartingAsync(CancellationToken cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
