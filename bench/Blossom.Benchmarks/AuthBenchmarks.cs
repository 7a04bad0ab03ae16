using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Benchmarks;

/// <summary>
/// The cost of one authorization check, split into its parts: the NIP-01 id (serialize + SHA-256),
/// the BIP-340 signature (libsecp256k1), and the whole <see cref="AuthorizationEvent.Validate"/>
/// from the header value (base64 decode, JSON parse, field checks, id, signature).
/// </summary>
[Config(typeof(OperationsPerSecondConfig))]
[MemoryDiagnoser]
public class AuthBenchmarks
{
    private const long CreatedAt = 1_763_900_000; // fixed, so every run checks the same token
    private const string ServerHost = "cdn.blossom.example";

    private NostrEvent _event = null!;
    private byte[] _pubkey = [];
    private byte[] _id = [];
    private byte[] _sig = [];
    private string _header = "";
    private AuthorizationRequest _request = null!;
    private readonly DateTimeOffset _now = DateTimeOffset.FromUnixTimeSeconds(CreatedAt + 30);
    private readonly TimeSpan _clockSkew = TimeSpan.FromSeconds(60);

    [GlobalSetup]
    public void Setup()
    {
        // A realistic BUD-11 upload token as clients send it: t, expiration, x, server, human-readable content.
        var blobHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("bitcoin.pdf"u8));
        var tags = new List<IReadOnlyList<string>>
        {
            new[] { "t", AuthorizationVerb.Upload },
            new[] { "expiration", (CreatedAt + 600).ToString(CultureInfo.InvariantCulture) },
            new[] { "x", blobHash },
            new[] { "server", ServerHost },
        };
        _event = new NostrSigner().Sign(AuthorizationEvent.Kind, CreatedAt, tags, "Upload bitcoin.pdf");
        _pubkey = Convert.FromHexString(_event.Pubkey);
        _id = Convert.FromHexString(_event.Id);
        _sig = Convert.FromHexString(_event.Sig);
        _header = AuthorizationEvent.Scheme + " " + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(_event));
        _request = new AuthorizationRequest([AuthorizationVerb.Upload], XTagRule.Required, blobHash, [ServerHost]);

        // A benchmark of a rejected token would measure the wrong thing: fail the run instead.
        if (!Compute().AsSpan().SequenceEqual(_id) || !Verify())
            throw new InvalidOperationException("The signed event does not verify.");
        if (Validate().Failure is { } failure)
            throw new InvalidOperationException($"The token does not validate: {failure}");
    }

    [Benchmark(Description = "NostrEventId.Compute")]
    public byte[] Compute() => NostrEventId.Compute(_event);

    [Benchmark(Description = "SchnorrSignature.Verify")]
    public bool Verify() => SchnorrSignature.Verify(_pubkey, _id, _sig);

    [Benchmark(Description = "AuthorizationEvent.Validate (header)")]
    public AuthorizationResult Validate() => AuthorizationEvent.Validate(_header, _request, _now, _clockSkew, TimeSpan.FromDays(30));

    private sealed class OperationsPerSecondConfig : ManualConfig
    {
        public OperationsPerSecondConfig() => AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
