using Blossom.Core.Retention;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Retention;

/// <summary>A sweep's counts in <c>/metrics</c>, tagged by rule and dry run (process-wide meters: run alone).</summary>
[Collection(nameof(ProcessWideMetrics))]
public sealed class RetentionMetricsTests
{
    [Fact]
    public async Task Sweep_DryRun_CountedByRuleWithTheDryRunTag()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Retention:Rules:0:Name"] = "metrics-week",
            ["Blossom:Retention:Rules:0:MaxAgeDays"] = "7",
        }) { ReplaceServices = services => services.AddSingleton<TimeProvider>(clock) };
        var client = app.Start();
        await client.UploadAsync(new NostrSigner(), BlossomRequests.RandomBlob(1500));

        clock.UnixSeconds += 8 * 86_400;
        await app.Services.GetRequiredService<RetentionSweep>().SweepAsync(CancellationToken.None);

        var text = await Poll.ForAsync(async () =>
        {
            var scrape = await client.GetStringAsync("/metrics");
            return scrape.Contains("metrics-week", StringComparison.Ordinal) ? scrape : null;
        }, "the sweep's counts show in /metrics", TimeSpan.FromSeconds(30));
        text.Should().MatchRegex(@"blossom_retention_blobs(_blob)?_total\{(?=[^}]*dry_run=""true"")(?=[^}]*rule=""metrics-week"")[^}]*\} 1");
        text.Should().MatchRegex(@"blossom_retention_bytes(_bytes)?_total\{(?=[^}]*dry_run=""true"")(?=[^}]*rule=""metrics-week"")[^}]*\} 1500");
    }
}
