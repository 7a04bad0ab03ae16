using Blossom.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Blossom.Tests.Options;

/// <summary>A bad setting stops the server at start-up with a message naming it.</summary>
public sealed class SettingsValidationTests
{
    [Theory]
    [InlineData("Blossom:PublicUrl", "ftp://example.com", "PublicUrl")]
    [InlineData("Blossom:Upload:MaxSizeBytes", "-1", "MaxSizeBytes")]
    [InlineData("Blossom:Upload:AllowedPubkeys:0", "npub1notHex", "AllowedPubkeys")]
    [InlineData("Blossom:Upload:AllowedTypes:0", "images", "AllowedTypes")]
    [InlineData("Blossom:Upload:PartialTimeoutSeconds", "0", "PartialTimeoutSeconds")]
    [InlineData("Blossom:Storage:Kind", "S3", "Storage:S3:Endpoint")]
    [InlineData("Blossom:Storage:AccelRedirectPrefix", "_blobs", "Storage:AccelRedirectPrefix")]
    [InlineData("Blossom:Auth:ClockSkewSeconds", "100000", "ClockSkewSeconds")]
    [InlineData("Blossom:Auth:ServerNames:0", "https://cdn.example.com", "Auth:ServerNames")]
    [InlineData("Blossom:Auth:ServerNames:0", "cdn.example.com:8080", "Auth:ServerNames")]
    [InlineData("Blossom:Auth:MaxTokenLifetimeSeconds", "0", "MaxTokenLifetimeSeconds")]
    [InlineData("Blossom:Metrics:AllowedNetworks:0", "intranet", "Metrics:AllowedNetworks")]
    [InlineData("Blossom:Media:LeaseSeconds", "1", "LeaseSeconds")]
    [InlineData("Blossom:Media:Workers", "0", "Database:Provider=Postgres")]
    [InlineData("Blossom:Previews:Sizes:0", "320", "Previews:Sizes: '320' is not a size")]
    [InlineData("Blossom:Previews:Sizes:0", "0x240", "Previews:Sizes")]
    [InlineData("Blossom:Previews:Quality", "0", "Quality")]
    [InlineData("Blossom:Previews:TimeoutSeconds", "0", "TimeoutSeconds")]
    [InlineData("Blossom:Media:Video:HlsHeights:1", "100", "Media:Video:HlsHeights")]
    [InlineData("Blossom:Media:Video:HlsSegmentSeconds", "0", "HlsSegmentSeconds")]
    [InlineData("Blossom:Retention:Rules:0:Name", "neither", "Retention:Rules:0 ('neither') must either Keep")]
    [InlineData("Blossom:Retention:SweepIntervalMinutes", "0", "SweepIntervalMinutes")]
    public void Start_InvalidSetting_FailsNamingIt(string key, string value, string named)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { [key] = value });

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(named);
    }

    /// <summary>Closed sets are enums: a value outside one fails the binding, which names the setting and the value.</summary>
    [Theory]
    [InlineData("Blossom:Database:Provider", "MySql")]
    [InlineData("Blossom:Storage:Kind", "Azure")]
    [InlineData("Blossom:Media:Image:Format", "gif")]
    [InlineData("Blossom:Media:Video:Preset", "warp")]
    [InlineData("Blossom:Media:Mode", "Later")]
    [InlineData("Blossom:Logs:Format", "Xml")]
    public void Start_SettingOutsideItsSet_FailsNamingItAndTheValue(string key, string value)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?> { [key] = value });

        var start = () => app.Start();

        start.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain(key).And.Contain($"'{value}'");
    }

    [Fact]
    public void Start_AllowedPubkeysWithoutRequiredAuth_FailsExplainingWhy()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Upload:RequireAuth"] = "false",
            ["Blossom:Upload:AllowedPubkeys:0"] = new string('a', 64),
        });

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("RequireAuth");
    }

    [Theory]
    [InlineData("Data Source=data/blossom.db")]
    [InlineData("Database=blossom")]
    public void Start_PostgresWithoutAServer_FailsAskingForAConnectionString(string connectionString)
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Database:Provider"] = "Postgres",
            ["Blossom:Database:ConnectionString"] = connectionString,
        });

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Database:ConnectionString").And.Contain("Host=");
    }

    [Fact]
    public void Start_AccelRedirectWithS3_FailsExplainingWhy()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Storage:Kind"] = "S3",
            ["Blossom:Storage:S3:Endpoint"] = "http://127.0.0.1:9",
            ["Blossom:Storage:S3:Bucket"] = "blobs",
            ["Blossom:Storage:AccelRedirectPrefix"] = "/_blobs",
        });

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Storage:AccelRedirectPrefix needs Storage:Kind=FileSystem");
    }

    [Fact]
    public void Start_S3PartsSmallerThanS3Allows_FailsNamingTheSetting()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Storage:Kind"] = "S3",
            ["Blossom:Storage:S3:Endpoint"] = "http://127.0.0.1:9",
            ["Blossom:Storage:S3:Bucket"] = "blobs",
            ["Blossom:Storage:S3:PartSizeBytes"] = "1048576",
        });

        var start = () => app.Start();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Storage:S3:PartSizeBytes");
    }
}
