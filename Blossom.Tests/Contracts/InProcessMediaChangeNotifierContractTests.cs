using Blossom.Core.Media;

namespace Blossom.Tests.Contracts;

public sealed class InProcessMediaChangeNotifierContractTests : MediaChangeNotifierContract
{
    protected override Task<IMediaChangeNotifier> CreateNotifierAsync() => Task.FromResult<IMediaChangeNotifier>(new InProcessMediaChangeNotifier());

    protected override Task RemoveNotifierAsync() => Task.CompletedTask;
}
