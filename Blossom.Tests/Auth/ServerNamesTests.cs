using System.Net;
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Auth;

/// <summary>The names BUD-11 server tags may carry: what the server is told, and what it listens on.</summary>
public sealed class ServerNamesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:3000", "127.0.0.1 localhost")]
    [InlineData("http://localhost:5000", "localhost")]
    [InlineData("http://[::1]:3000", "[::1] localhost")]
    [InlineData("https://blobs.example.com:443", "blobs.example.com")]
    [InlineData("http://192.0.2.7:80", "192.0.2.7")]
    [InlineData("http://0.0.0.0:8080", "")]
    [InlineData("http://[::]:8080", "")]
    [InlineData("http://*:8080", "")]
    [InlineData("http://+:8080", "")]
    [InlineData("http://unix:/run/blossom.sock", "")]
    public void FromListenAddresses_NamesOnlyWhatIdentifiesTheServer(string address, string names) =>
        ServerNames.FromListenAddresses([address]).Should().Equal(names.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task Info_Defaults_ListsTheListenAddressAndLocalhost()
    {
        using var app = new BlossomApplication();
        var client = app.Start();

        using var info = JsonDocument.Parse(await client.GetStringAsync("/info"));

        info.RootElement.GetProperty("serverNames").EnumerateArray().Select(n => n.GetString()).Should().Equal("127.0.0.1", "localhost");
    }

    [Fact]
    public async Task Info_PublicUrlAndServerNames_ListedBeforeTheListenAddress()
    {
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:PublicUrl"] = "https://Blobs.Example.com/",
            ["Blossom:Auth:ServerNames:0"] = "alias.example.org",
        });
        var client = app.Start();

        using var info = JsonDocument.Parse(await client.GetStringAsync("/info"));

        info.RootElement.GetProperty("serverNames").EnumerateArray().Select(n => n.GetString())
            .Should().Equal("blobs.example.com", "alias.example.org", "127.0.0.1", "localhost");
    }

    // Behind a proxy on 0.0.0.0 the server cannot know the name clients use: it says so once, and
    // a scoped token is refused with the settings that fix it, rather than trusting the Host header.
    [Fact]
    public async Task WildcardListenerWithoutSettings_WarnsAtStartAndRefusesScopedTokensNamingTheSettings()
    {
        var root = Directory.CreateTempSubdirectory("blossom-names-");
        try
        {
            using var server = await ServerProcess.StartAsync(root.FullName, listenUrl: "http://0.0.0.0:0");
            var data = BlossomRequests.RandomBlob();
            var token = new NostrSigner().Token(AuthorizationVerb.Upload, [BlossomRequests.Sha256(data)], servers: [server.Client.BaseAddress!.Host]);

            using var response = await server.Client.SendAsync(BlossomRequests.Upload(data, token));
            using var info = JsonDocument.Parse(await server.Client.GetStringAsync("/info"));

            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            response.Reason().Should().Be("Authorization event is scoped to a server, but this server has no name: its operator sets PublicUrl or Auth:ServerNames");
            info.RootElement.GetProperty("serverNames").GetArrayLength().Should().Be(0);
            // The console's header line of the start-up warning: its level, category and event id.
            server.Output.Should().Contain($"warn: {typeof(ServerNames).FullName}[10]");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
