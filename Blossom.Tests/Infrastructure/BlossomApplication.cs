using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Blossom.Core.Auth;
using Blossom.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blossom.Tests.Infrastructure;

/// <summary>
/// The real server on Kestrel (loopback, a free port) with its own store and database in a
/// temp folder, deleted on dispose. <paramref name="settings"/> override <c>Blossom:*</c> keys.
/// </summary>
internal sealed class BlossomApplication(IReadOnlyDictionary<string, string?>? settings = null, string? dataRoot = null) : WebApplicationFactory<Program>
{
    private readonly bool _ownsData = dataRoot is null;
    private readonly List<HttpClient> _clients = [];

    public string DataRoot { get; } = dataRoot ?? Directory.CreateTempSubdirectory("blossom-test-").FullName;

    public string StoragePath => Path.Combine(DataRoot, "blobs");

    public string MediaWorkPath => Path.Combine(DataRoot, "media");

    /// <summary>Everything the server logged, after the configured level filters.</summary>
    public LogCapture Logs { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>
    /// Where every server of this test assembly keeps blobs and its database unless a test says
    /// otherwise; null: the file system and SQLite under <see cref="DataRoot"/>.
    /// </summary>
    public static ITestBackend? Backend { get; set; }

    /// <summary>Replaces services after the server's own registrations, e.g. a tool that fails on purpose.</summary>
    public Action<IServiceCollection>? ReplaceServices { get; init; }

    /// <summary>
    /// Starts the server and returns a plain client aimed at it, as a real client would be: the
    /// factory's own client buffers request bodies to replay them on redirects.
    /// </summary>
    public HttpClient Start()
    {
        UseKestrel(0);
        StartServer();
        BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        _clients.Add(client);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Blossom:Storage:Path", StoragePath);
        builder.UseSetting("Blossom:Database:ConnectionString", $"Data Source={Path.Combine(DataRoot, "blossom.db")}");
        builder.UseSetting("Blossom:Media:WorkPath", MediaWorkPath);
        foreach (var (key, value) in Backend?.Settings(DataRoot) ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        if (ReplaceServices is { } configure)
            builder.ConfigureTestServices(configure);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _clients.ForEach(c => c.Dispose());
        if (disposing && _ownsData && Directory.Exists(DataRoot))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(DataRoot, recursive: true);
        }
    }
}

/// <summary>Requests the way Blossom clients make them.</summary>
internal static class BlossomRequests
{
    public static byte[] RandomBlob(int length = 1024) => RandomNumberGenerator.GetBytes(length);

    /// <summary>A size above <c>Storage:SmallBlobMaxBytes</c>' default: such a blob is a file (or an object), not a row of the database.</summary>
    public const int StoredAsFileBytes = 20_000;

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static HttpRequestMessage Upload(byte[] data, NostrEvent? token, string contentType = "application/octet-stream", bool sendHash = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/upload") { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (sendHash) request.Headers.Add("X-SHA-256", Sha256(data));
        if (token is not null) request.Headers.TryAddWithoutValidation("Authorization", NostrSigner.Header(token));
        return request;
    }

    /// <summary>Uploads <paramref name="data"/> as <paramref name="signer"/> and returns the descriptor, failing the test on any other answer.</summary>
    public static async Task<BlobDescriptor> UploadAsync(this HttpClient client, NostrSigner signer, byte[] data, string contentType = "application/octet-stream")
    {
        using var response = await client.SendAsync(Upload(data, signer.Token(AuthorizationVerb.Upload, [Sha256(data)]), contentType));
        response.IsSuccessStatusCode.Should().BeTrue(response.Headers.TryGetValues("X-Reason", out var r) ? string.Join(",", r) : response.StatusCode.ToString());
        return (await response.Content.ReadFromJsonAsync<BlobDescriptor>())!;
    }

    public static HttpRequestMessage WithToken(this HttpRequestMessage request, NostrEvent token)
    {
        request.Headers.TryAddWithoutValidation("Authorization", NostrSigner.Header(token));
        return request;
    }

    public static string? Reason(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Reason", out var values) ? values.Single() : null;
}
