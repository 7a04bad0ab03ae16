using System.Collections.Concurrent;
using System.Net;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Policy;

/// <summary>Which requests the per-IP limits count, and where in the pipeline they refuse.</summary>
public sealed class RateLimitTests
{
    private readonly NostrSigner _alice = new();

    [Fact]
    public async Task RateLimit_ManyBlobReadsFromOneIp_AllServed_WhileWritesAreLimited()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:RateLimit:PerIpPerMinute"] = "5" });
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        var reads = new List<HttpStatusCode>();
        for (var i = 0; i < 1200; i++)
        {
            using var request = new HttpRequestMessage(i % 2 == 0 ? HttpMethod.Get : HttpMethod.Head, $"/{blob.Sha256}{(i % 3 == 0 ? ".bin" : "")}");
            using var response = await client.SendAsync(request);
            reads.Add(response.StatusCode);
        }
        var writes = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var data = BlossomRequests.RandomBlob();
            using var response = await client.SendAsync(BlossomRequests.Upload(data, _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)])));
            writes.Add(response.StatusCode);
        }

        reads.Should().AllSatisfy(s => s.Should().Be(HttpStatusCode.OK));
        writes.Should().Equal(HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests);
        (await client.GetAsync("/info")).StatusCode.Should().Be(HttpStatusCode.OK, "server info is never limited");
        (await client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "health checks are never limited");
    }

    [Fact]
    public async Task RateLimit_ReadsPerIpPerMinuteSet_BlobReadsBeyondIt429()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { ["Blossom:RateLimit:ReadsPerIpPerMinute"] = "3" });
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob());

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync($"/{blob.Sha256}");
            statuses.Add(response.StatusCode);
        }

        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        (await client.GetAsync($"/list/{_alice.Pubkey}")).StatusCode.Should().Be(HttpStatusCode.OK, "reads have a budget of their own");
    }

    [Fact]
    public async Task RateLimit_BadTokenFlood_429WithoutCheckingTheSignatures()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:RateLimit:PerIpPerMinute"] = "5",
            ["Logging:LogLevel:Blossom.Server.NostrAuthenticationHandler"] = "Information",
        });
        var client = app.Start();
        var authentication = new AuthenticationFailures();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(authentication);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            var data = BlossomRequests.RandomBlob(100);
            var forged = _alice.Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)]) with { Sig = new string('0', 128) };
            using var response = await client.SendAsync(BlossomRequests.Upload(data, forged));
            statuses.Add(response.StatusCode);
        }

        statuses.Should().Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 15)]);
        authentication.Failures.Should().HaveCount(5, "a request beyond the limit is refused before its token is verified")
            .And.OnlyContain(message => message.Contains("signature is invalid", StringComparison.Ordinal));
    }

    /// <summary>What the token check logs each time a token fails, signature included.</summary>
    private sealed class AuthenticationFailures : ILoggerProvider
    {
        public ConcurrentQueue<string> Failures { get; } = new();

        public ILogger CreateLogger(string categoryName) =>
            categoryName == "Blossom.Server.NostrAuthenticationHandler" ? new Sink(Failures) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose() { }

        private sealed class Sink(ConcurrentQueue<string> failures) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var message = formatter(state, exception);
                if (message.Contains("was not authenticated", StringComparison.Ordinal))
                    failures.Enqueue(message);
            }
        }
    }
}
