using Blossom.Core.Media;

namespace Blossom.Tests.Contracts;

public sealed class InProcessMediaJobQueueContractTests : MediaJobQueueContract
{
    protected override Task<IMediaJobQueue> CreateQueueAsync() => Task.FromResult<IMediaJobQueue>(new InProcessMediaJobQueue(Capacity));

    protected override Task RemoveQueueAsync()
    {
        ((InProcessMediaJobQueue)Queue).Dispose();
        return Task.CompletedTask;
    }
}
