using Blossom.Core.Changes;

namespace Blossom.Tests.Contracts;

public sealed class InProcessChangeNotifierContractTests : ChangeNotifierContract
{
    protected override Task<IChangeNotifier> CreateNotifierAsync() => Task.FromResult<IChangeNotifier>(new InProcessChangeNotifier());

    protected override Task RemoveNotifierAsync() => Task.CompletedTask;
}
