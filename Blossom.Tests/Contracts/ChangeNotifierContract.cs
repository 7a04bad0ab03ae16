using Blossom.Core.Changes;

namespace Blossom.Tests.Contracts;

/// <summary>
/// What every <see cref="IChangeNotifier"/> promises, written once; a notifier shared by nodes
/// adds, in its subclass, that a change told on one node wakes a waiter on another.
/// </summary>
public abstract class ChangeNotifierContract : IAsyncLifetime
{
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private IChangeNotifier? _notifier;

    protected IChangeNotifier Notifier => _notifier ?? throw new InvalidOperationException("The notifier is made in InitializeAsync.");

    protected abstract Task<IChangeNotifier> CreateNotifierAsync();

    protected abstract Task RemoveNotifierAsync();

    public async Task InitializeAsync() => _notifier = await CreateNotifierAsync();

    public Task DisposeAsync() => RemoveNotifierAsync();

    [Fact]
    public async Task Notify_Subscribed_SignalCompletes()
    {
        var id = Guid.NewGuid().ToString();
        var signal = Notifier.Subscribe(id);

        await Notifier.NotifyAsync([id], CancellationToken.None);

        await signal.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Notify_SeveralWaitersOfOneTask_AllWake()
    {
        var id = Guid.NewGuid().ToString();
        var first = Notifier.Subscribe(id);
        var second = Notifier.Subscribe(id);

        await Notifier.NotifyAsync([id], CancellationToken.None);

        await Task.WhenAll(first, second).WaitAsync(Deadline);
    }

    [Fact]
    public async Task Notify_AnotherTask_SignalStaysPending()
    {
        var waited = Guid.NewGuid().ToString();
        var signal = Notifier.Subscribe(waited);
        var other = Guid.NewGuid().ToString();
        var otherSignal = Notifier.Subscribe(other);

        await Notifier.NotifyAsync([other], CancellationToken.None);

        // The other task's signal came through the same path, so this one would have by now.
        await otherSignal.WaitAsync(Deadline);
        signal.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task Subscribe_AfterAChange_WaitsForTheNextOne()
    {
        var id = Guid.NewGuid().ToString();
        var before = Notifier.Subscribe(id);
        await Notifier.NotifyAsync([id], CancellationToken.None);
        await before.WaitAsync(Deadline);

        var after = Notifier.Subscribe(id);
        var marker = Guid.NewGuid().ToString();
        var markerSignal = Notifier.Subscribe(marker);
        await Notifier.NotifyAsync([marker], CancellationToken.None);
        await markerSignal.WaitAsync(Deadline);

        after.IsCompleted.Should().BeFalse("the change it would report came before it subscribed");
    }

    [Fact]
    public async Task Unsubscribe_ThenSubscribe_ANewSignal()
    {
        var id = Guid.NewGuid().ToString();
        var dropped = Notifier.Subscribe(id);

        Notifier.Unsubscribe(id, dropped);
        var fresh = Notifier.Subscribe(id);
        await Notifier.NotifyAsync([id], CancellationToken.None);

        await fresh.WaitAsync(Deadline);
        dropped.IsCompleted.Should().BeFalse("nobody waits on it");
    }
}
