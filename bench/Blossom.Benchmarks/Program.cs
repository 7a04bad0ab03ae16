// Blossom micro-benchmarks (BenchmarkDotNet), run on demand only: this project is not in Blossom.sln,
// so CI's `dotnet test` neither builds nor runs it.
//
//   dotnet run -c Release --project bench/Blossom.Benchmarks -- --filter '*'               # everything
//   dotnet run -c Release --project bench/Blossom.Benchmarks -- --filter '*' --job short   # ~2 min (default job: 17 min)
//   dotnet run -c Release --project bench/Blossom.Benchmarks -- --filter '*Auth*'          # one class
//   dotnet run -c Release --project bench/Blossom.Benchmarks -- --list flat                # what there is
//
// AuthBenchmarks: NostrEventId.Compute, SchnorrSignature.Verify and the whole AuthorizationEvent.Validate
// of a kind 24242 token (needs libsecp256k1-1). StoreBenchmarks: FileSystemBlobStore receive + commit +
// delete of 1 and 64 MiB beside SHA256.HashData and plain FileStream writes (files go under the temp dir).
// Reports land in bench/out/micro/results/ (git-ignored; `--artifacts DIR` overrides); the last recorded
// run is bench/results-micro.md.
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
    .Run(args, DefaultConfig.Instance.WithArtifactsPath(Path.Combine(RepositoryRoot(), "bench", "out", "micro")));

// The folder holding Blossom.sln above the build output, else the current one.
static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Blossom.sln")))
            return dir.FullName;
    }
    return Directory.GetCurrentDirectory();
}
