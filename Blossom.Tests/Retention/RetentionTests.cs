using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Previews;
using Blossom.Core.Retention;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Retention;

/// <summary>
/// Storage rules on a running server whose clock the test sets: a sweep removes expired owners (the blob
/// with the last, previews with it), a dry run only counts, <c>Sunset</c> and the descriptors' <c>sunset</c>
/// say when a blob goes, and the operator previews the next sweep.
/// </summary>
public sealed class RetentionTests : IDisposable
{
    private const long Day = 86_400;
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    private readonly NostrSigner _alice = new();
    private readonly NostrSigner _bob = new();
    private readonly NostrSigner _admin = new();
    private readonly List<BlossomApplication> _apps = [];

    public void Dispose() => _apps.ForEach(app => app.Dispose());

    [Fact]
    public async Task Sweep_LastOwnerExpired_BlobGoesWithItsPreviews()
    {
        var (app, client) = Start(dryRun: false, Rule(("Name", "month"), ("MaxAgeDays", "30")));
        var image = MediaSamples.PngWithAlpha(400, 300);
        var source = await client.UploadAsync(_alice, image, "image/png");
        var previews = app.Services.GetRequiredService<PreviewService>();
        var preview = (await previews.GetOrCreateAsync(source.Sha256, previews.DefaultSpec, CancellationToken.None)).Preview!;
        (await client.GetAsync($"/{preview.Sha256}")).StatusCode.Should().Be(HttpStatusCode.OK);

        _clock.UnixSeconds += 31 * Day;
        var report = await Sweep(app);

        report.Rules.Should().Equal(new RuleReport("month", Ownerships: 1, Blobs: 1, Bytes: image.Length));
        (await client.GetAsync($"/{source.Sha256}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        await Poll.UntilAsync(async () => (await client.GetAsync($"/{preview.Sha256}")).StatusCode == HttpStatusCode.NotFound, "the preview goes with its source");
    }

    [Fact]
    public async Task Sweep_SharedBlob_TheOwnerARuleKeepsHoldsIt()
    {
        var (app, client) = Start(dryRun: false,
            Rule(("Name", "friends"), ("Pubkeys:0", _bob.Pubkey), ("Keep", "true")),
            Rule(("Name", "everyone"), ("MaxAgeDays", "30")));
        var data = BlossomRequests.RandomBlob();
        var sha256 = (await client.UploadAsync(_alice, data)).Sha256;
        await client.UploadAsync(_bob, data);

        using (var before = await client.GetAsync($"/{sha256}"))
            before.Headers.Contains("Sunset").Should().BeFalse("Bob keeps it forever");
        _clock.UnixSeconds += 31 * Day;
        var report = await Sweep(app);

        report.Rules.Should().Equal(new RuleReport("friends", 0, 0, 0), new RuleReport("everyone", Ownerships: 1, Blobs: 0, Bytes: 0));
        (await client.GetAsync($"/{sha256}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.Services.GetRequiredService<BlobService>().OwnersAsync(sha256, CancellationToken.None)).Should().Equal(_bob.Pubkey);
        (await client.GetFromJsonAsync<List<BlobDescriptor>>($"/list/{_alice.Pubkey}")).Should().BeEmpty();
    }

    [Fact]
    public async Task Sweep_DryRun_CountsAndRemovesNothing_AndAnnouncesNothing()
    {
        var (app, client) = Start(dryRun: true, Rule(("Name", "month"), ("MaxAgeDays", "30")));
        var data = BlossomRequests.RandomBlob(2000);
        var descriptor = await client.UploadAsync(_alice, data);

        _clock.UnixSeconds += 31 * Day;
        var report = await Sweep(app);

        report.Should().BeEquivalentTo(new RetentionReport(DryRun: true, [new RuleReport("month", 1, 1, 2000)]));
        descriptor.Sunset.Should().BeNull("a dry run removes nothing, so nothing is announced");
        using var served = await client.GetAsync($"/{descriptor.Sha256}");
        served.StatusCode.Should().Be(HttpStatusCode.OK);
        served.Headers.Contains("Sunset").Should().BeFalse();
    }

    [Fact]
    public async Task Sunset_BlobTheRulesRemove_HeaderDescriptorAndListSayWhen()
    {
        var (_, client) = Start(dryRun: false, Rule(("Name", "notes"), ("Types:0", "text/*"), ("MaxAgeDays", "30")));
        var uploadedAt = _clock.UnixSeconds;
        var note = await client.UploadAsync(_alice, BlossomRequests.RandomBlob(), "text/plain");
        var other = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());
        var sunset = uploadedAt + (30 * Day);
        var httpDate = DateTimeOffset.FromUnixTimeSeconds(sunset).ToString("R", CultureInfo.InvariantCulture);

        note.Sunset.Should().Be(sunset);
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var answer = await client.SendAsync(new HttpRequestMessage(method, $"/{note.Sha256}"));
            answer.Headers.GetValues("Sunset").Should().Equal([httpDate], method.Method);
        }
        var list = await client.GetFromJsonAsync<List<BlobDescriptor>>($"/list/{_alice.Pubkey}");
        list!.Select(d => (d.Sha256, d.Sunset)).Should().BeEquivalentTo([(note.Sha256, (long?)sunset), (other.Sha256, (long?)null)]);

        other.Sunset.Should().BeNull("no rule matches it");
        using var kept = await client.GetAsync($"/{other.Sha256}");
        kept.Headers.Contains("Sunset").Should().BeFalse();
        (await kept.Content.ReadAsByteArrayAsync()).Should().HaveCount(1024);
        using var raw = await client.GetAsync($"/list/{_alice.Pubkey}");
        using var json = JsonDocument.Parse(await raw.Content.ReadAsStringAsync());
        json.RootElement.EnumerateArray().Single(d => d.GetProperty("sha256").GetString() == note.Sha256).GetProperty("sunset").GetInt64().Should().Be(sunset);
        json.RootElement.EnumerateArray().Single(d => d.GetProperty("sha256").GetString() == other.Sha256).TryGetProperty("sunset", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Sweep_IdleRule_AFetchedBlobStays_AnUnfetchedOneGoes()
    {
        var (app, client) = Start(dryRun: false, Rule(("Name", "idle-notes"), ("Types:0", "text/*"), ("MaxIdleDays", "365")));
        var read = await client.UploadAsync(_alice, BlossomRequests.RandomBlob(), "text/plain");
        var unread = await client.UploadAsync(_alice, BlossomRequests.RandomBlob(), "text/plain");

        _clock.UnixSeconds += 300 * Day;
        var fetchedAt = _clock.UnixSeconds;
        using (var fetched = await client.GetAsync($"/{read.Sha256}"))
            fetched.Headers.GetValues("Sunset").Should().Equal(DateTimeOffset.FromUnixTimeSeconds(fetchedAt + (365 * Day)).ToString("R", CultureInfo.InvariantCulture));
        _clock.UnixSeconds += 100 * Day;
        var report = await Sweep(app);

        report.Rules.Should().Equal(new RuleReport("idle-notes", Ownerships: 1, Blobs: 1, Bytes: 1024));
        (await client.GetAsync($"/{unread.Sha256}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync($"/{read.Sha256}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.Services.GetRequiredService<BlobService>().FindAsync(read.Sha256, CancellationToken.None))!.Accessed
            .Should().Be(fetchedAt, "the sweep wrote the fetch noted in memory");
    }

    [Fact]
    public async Task AdminRetention_ShowsWhatTheNextSweepWouldRemove_AndRemovesNothing()
    {
        var (_, client) = Start(dryRun: true, Rule(("Name", "month"), ("MaxAgeDays", "30")), Rule(("Name", "friends"), ("Pubkeys:0", _bob.Pubkey), ("Keep", "true")));
        var data = BlossomRequests.RandomBlob(3000);
        var sha256 = (await client.UploadAsync(_alice, data)).Sha256;
        _clock.UnixSeconds += 31 * Day;

        using (var anonymous = await client.GetAsync("/admin/retention"))
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/retention")
            .WithToken(_admin.Token(AuthorizationVerb.Admin, createdAt: _clock.UnixSeconds, expiration: _clock.UnixSeconds + 600));
        using var answer = await client.SendAsync(request);

        answer.StatusCode.Should().Be(HttpStatusCode.OK);
        (await answer.Content.ReadFromJsonAsync<RetentionReport>()).Should().BeEquivalentTo(
            new RetentionReport(DryRun: true, [new RuleReport("month", 1, 1, 3000), new RuleReport("friends", 0, 0, 0)]), o => o.WithStrictOrdering());
        (await client.GetAsync($"/{sha256}")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private (BlossomApplication App, HttpClient Client) Start(bool dryRun, params Dictionary<string, string>[] rules)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Blossom:Retention:DryRun"] = dryRun ? "true" : "false",
            ["Blossom:Admin:Pubkeys:0"] = _admin.Pubkey,
        };
        for (var i = 0; i < rules.Length; i++)
        {
            foreach (var (key, value) in rules[i])
                settings[$"Blossom:Retention:Rules:{i}:{key}"] = value;
        }
        var app = new BlossomApplication(settings) { ReplaceServices = services => services.AddSingleton<TimeProvider>(_clock) };
        _apps.Add(app);
        return (app, app.Start());
    }

    /// <summary>A rule as the settings give it: its keys under <c>Retention:Rules:N</c>.</summary>
    private static Dictionary<string, string> Rule(params (string Key, string Value)[] fields) => fields.ToDictionary(f => f.Key, f => f.Value);

    /// <summary>One round, as the sweep service runs it every <c>Retention:SweepIntervalMinutes</c>.</summary>
    private static Task<RetentionReport> Sweep(BlossomApplication app) =>
        app.Services.GetRequiredService<RetentionSweep>().SweepAsync(CancellationToken.None);
}
