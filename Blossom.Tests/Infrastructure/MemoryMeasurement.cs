namespace Blossom.Tests.Infrastructure;

/// <summary>Runs alone: other tests in this process would move the working set it measures.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;
