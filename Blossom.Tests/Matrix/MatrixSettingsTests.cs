using Blossom.Core.Matrix;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Blossom.Tests.Matrix;

/// <summary>The <c>Matrix</c> settings: checked at start-up only as far as they matter, and handed to the media rules.</summary>
public sealed class MatrixSettingsTests
{
    private static Dictionary<string, string?> Enabled(string serverName = "example.org", string homeserverUrl = "https://matrix.example.org") => new()
    {
        ["Blossom:Matrix:Enabled"] = "true",
        ["Blossom:Matrix:ServerName"] = serverName,
        ["Blossom:Matrix:HomeserverUrl"] = homeserverUrl,
    };

    [Theory]
    [InlineData("", "https://matrix.example.org", "Matrix:ServerName '' must be the homeserver's server name")]
    [InlineData("https://example.org", "https://matrix.example.org", "Matrix:ServerName 'https://example.org'")]
    [InlineData("example.org/media", "https://matrix.example.org", "Matrix:ServerName 'example.org/media'")]
    [InlineData("example.org", "", "Matrix:HomeserverUrl '' must be the homeserver's absolute http(s) URL")]
    [InlineData("example.org", "matrix.example.org", "Matrix:HomeserverUrl 'matrix.example.org'")]
    [InlineData("example.org", "ftp://matrix.example.org", "Matrix:HomeserverUrl 'ftp://matrix.example.org'")]
    public void Start_EnabledWithoutAServerNameOrHomeserver_FailsNamingIt(string serverName, string homeserverUrl, string message)
    {
        using var app = new BlossomApplication(Enabled(serverName, homeserverUrl));

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Theory]
    [InlineData("Blossom:Matrix:ThumbnailSizes:0", "320", "Matrix:ThumbnailSizes: '320' is not a size")]
    [InlineData("Blossom:Matrix:UnusedExpirySeconds", "0", "UnusedExpirySeconds")]
    [InlineData("Blossom:Matrix:MaxPendingUploadsPerUser", "0", "MaxPendingUploadsPerUser")]
    [InlineData("Blossom:Matrix:MaxDownloadWaitMs", "-1", "MaxDownloadWaitMs")]
    [InlineData("Blossom:Matrix:MaxUploadBytes", "-1", "MaxUploadBytes")]
    [InlineData("Blossom:Matrix:UnknownTokenCacheSeconds", "-1", "UnknownTokenCacheSeconds")]
    [InlineData("Blossom:Matrix:FailedTokenChecksPerIpPerMinute", "-1", "FailedTokenChecksPerIpPerMinute")]
    [InlineData("Blossom:Matrix:MaxConcurrentTokenChecks", "0", "MaxConcurrentTokenChecks")]
    [InlineData("Blossom:Matrix:TokenCheckQueueLimit", "-1", "TokenCheckQueueLimit")]
    [InlineData("Blossom:Matrix:PreviewUrl:TimeoutSeconds", "0", "TimeoutSeconds")]
    [InlineData("Blossom:Matrix:SigningKeyPath", "/nonexistent/signing.key", "Matrix:SigningKeyPath '/nonexistent/signing.key' names no file")]
    [InlineData("Blossom:Matrix:Federation:DeniedServers:0", "https://evil.example", "'https://evil.example' is not a Matrix server name")]
    [InlineData("Blossom:Matrix:Federation:TrustedKeyServers:0", "matrix.org/keys", "'matrix.org/keys' is not a Matrix server name")]
    [InlineData("Blossom:Matrix:Federation:RemoteFetchTimeoutSeconds", "0", "RemoteFetchTimeoutSeconds")]
    [InlineData("Blossom:Matrix:Federation:MaxConcurrentRemoteFetches", "0", "MaxConcurrentRemoteFetches")]
    [InlineData("Blossom:Matrix:Federation:RemoteCacheMaxAgeDays", "-1", "RemoteCacheMaxAgeDays")]
    public void Start_InvalidMatrixSetting_FailsNamingIt(string key, string value, string named)
    {
        var settings = Enabled();
        settings[key] = value;
        using var app = new BlossomApplication(settings);

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(named);
    }

    [Theory]
    [InlineData("other.example", "matrix.other.example", "the URL of 'other.example' must be an absolute http(s) base URL")]
    [InlineData("other.example", "https://matrix.other.example/federation", "the URL of 'other.example' must be an absolute http(s) base URL")]
    [InlineData("https://other.example", "https://matrix.other.example", "'https://other.example' is not a Matrix server name")]
    public void Start_KnownServerMalformed_FailsNamingIt(string name, string url, string message)
    {
        var settings = Enabled();
        settings["Blossom:Matrix:Federation:KnownServers:0:Name"] = name;
        settings["Blossom:Matrix:Federation:KnownServers:0:Url"] = url;
        using var app = new BlossomApplication(settings);

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public void Start_SigningKeyFileMalformed_FailsNamingTheFile()
    {
        var settings = Enabled();
        using var app = new BlossomApplication(settings);
        var keyFile = Path.Combine(app.DataRoot, "signing.key");
        File.WriteAllText(keyFile, "ed25519 a_key not-base64!\n");
        settings["Blossom:Matrix:SigningKeyPath"] = keyFile;
        using var withKey = new BlossomApplication(settings);

        var start = () => withKey.Start();

        start.Should().Throw<FormatException>().Which.Message.Should().Contain(keyFile);
    }

    [Fact]
    public void Start_DisabledWithNothingSet_Starts()
    {
        using var app = new BlossomApplication();

        app.Start();

        app.Services.GetRequiredService<IOptions<Blossom.Server.MatrixOptions>>().Value.Enabled.Should().BeFalse();
    }

    [Fact]
    public async Task Server_CreatedIdUnused_SweptSoonAfterItExpires()
    {
        var settings = Enabled();
        settings["Blossom:Matrix:UnusedExpirySeconds"] = "1";
        using var app = new BlossomApplication(settings);
        app.Start();
        var index = app.Services.GetRequiredService<IMatrixMediaIndex>();

        var created = (await app.Services.GetRequiredService<MatrixMediaService>().CreateAsync("@alice:example.org", CancellationToken.None)).Value;

        (await index.FindAsync(created.MediaId, CancellationToken.None)).Should().NotBeNull();
        // Polled with a deadline: the sweep runs every quarter second here.
        await Poll.UntilAsync(() => app.Logs.Entries.Any(e => e.Category == typeof(MatrixExpirySweepService).FullName
            && e.Level == LogLevel.Information && e.Value("Count") == "1"), "the sweep forgets an id soon after its expiry", TimeSpan.FromSeconds(30));
        (await index.FindAsync(created.MediaId, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public void Start_ServerNameWithPortAndOwnLimits_HandedToTheMediaRules()
    {
        var settings = Enabled("Example.org:8448", "http://127.0.0.1:8008/");
        settings["Blossom:Matrix:MaxUploadBytes"] = "5000";
        settings["Blossom:Upload:AllowedTypes:0"] = "image/*";
        settings["Blossom:Matrix:UnusedExpirySeconds"] = "600";
        settings["Blossom:Matrix:MaxPendingUploadsPerUser"] = "2";
        settings["Blossom:Matrix:MaxDownloadWaitMs"] = "1500";
        using var app = new BlossomApplication(settings);

        app.Start();

        var rules = app.Services.GetRequiredService<MatrixMediaService>().Settings;
        (rules.ServerName, rules.Limits.MaxSizeBytes, rules.Limits.AllowedTypes.Single(), rules.UnusedExpiry, rules.MaxPendingUploadsPerUser, rules.MaxDownloadWait)
            .Should().Be(("Example.org:8448", 5000L, "image/*", TimeSpan.FromMinutes(10), 2, TimeSpan.FromMilliseconds(1500)));
    }
}
