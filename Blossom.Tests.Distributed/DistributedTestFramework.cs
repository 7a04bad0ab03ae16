using System.Reflection;
using Blossom.Tests.Infrastructure;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Blossom.Tests.Distributed.DistributedTestFramework", "Blossom.Tests.Distributed")]

namespace Blossom.Tests.Distributed;

/// <summary>
/// xunit's own framework, with <see cref="DistributedBackend"/> started before the first test and
/// stopped after the last: an assembly-wide fixture (xunit 2 has none of its own), so test classes
/// still run in parallel instead of queuing behind one collection fixture. A service that cannot
/// start fails every test with its message.
/// </summary>
public sealed class DistributedTestFramework(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        // async void is the shape xunit gives this override (its own executor's is too): the caller
        // does not wait, it learns of the run's end from the runner's messages.
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new Runner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class Runner(ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        private readonly DistributedBackend _backend = new();

        protected override async Task AfterTestAssemblyStartingAsync()
        {
            await base.AfterTestAssemblyStartingAsync();
            // An exception here is handed to every test, which then fails with it.
            await Aggregator.RunAsync(async () =>
            {
                await _backend.InitializeAsync();
                BlossomApplication.Backend = _backend;
            });
        }

        protected override async Task BeforeTestAssemblyFinishedAsync()
        {
            BlossomApplication.Backend = null;
            await Aggregator.RunAsync(() => _backend.DisposeAsync().AsTask());
            await base.BeforeTestAssemblyFinishedAsync();
        }
    }
}
