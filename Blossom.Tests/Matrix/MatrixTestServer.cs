using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Matrix;

/// <summary>The real server with the Matrix API on, its tokens checked by a <see cref="HomeserverStandIn"/>.</summary>
internal sealed class MatrixTestServer : IAsyncDisposable
{
    public const string ServerName = "example.org";

    private MatrixTestServer(HomeserverStandIn homeserver, BlossomApplication app, HttpClient client) =>
        (Homeserver, App, Client) = (homeserver, app, client);

    public HomeserverStandIn Homeserver { get; }

    public BlossomApplication App { get; }

    public HttpClient Client { get; }

    /// <summary>Starts the server beside <paramref name="homeserver"/> (a new one of <see cref="ServerName"/> when null), as the media repository of its server name.</summary>
    public static async Task<MatrixTestServer> StartAsync(Dictionary<string, string?>? settings = null, HomeserverStandIn? homeserver = null)
    {
        homeserver ??= await HomeserverStandIn.StartAsync();
        var all = new Dictionary<string, string?>
        {
            ["Blossom:Matrix:Enabled"] = "true",
            ["Blossom:Matrix:ServerName"] = homeserver.ServerName,
            ["Blossom:Matrix:HomeserverUrl"] = homeserver.Url.ToString(),
        };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        var app = new BlossomApplication(all);
        var server = new MatrixTestServer(homeserver, app, app.Start());
        homeserver.MediaRepository = app.BaseAddress;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        App.Dispose();
        await Homeserver.DisposeAsync();
    }
}

/// <summary>Requests the way Matrix clients make them.</summary>
internal static class MatrixRequests
{
    public static HttpRequestMessage WithBearer(this HttpRequestMessage request, string? token)
    {
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static HttpRequestMessage Get(string path, string? token = null) => new HttpRequestMessage(HttpMethod.Get, path).WithBearer(token);

    public static HttpRequestMessage Upload(byte[] data, string? token, string contentType = "application/octet-stream", string? fileName = null) =>
        Body(HttpMethod.Post, "/_matrix/media/v3/upload" + (fileName is null ? "" : $"?filename={Uri.EscapeDataString(fileName)}"), data, token, contentType);

    public static HttpRequestMessage UploadTo(string mxc, byte[] data, string? token, string contentType = "application/octet-stream", string? fileName = null) =>
        Body(HttpMethod.Put, $"/_matrix/media/v3/upload/{PathOf(mxc)}" + (fileName is null ? "" : $"?filename={Uri.EscapeDataString(fileName)}"), data, token, contentType);

    public static HttpRequestMessage Create(string? token) =>
        new HttpRequestMessage(HttpMethod.Post, "/_matrix/media/v1/create") { Content = JsonContent.Create(new { }) }.WithBearer(token);

    private static HttpRequestMessage Body(HttpMethod method, string path, byte[] data, string? token, string contentType)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpRequestMessage(method, path) { Content = content }.WithBearer(token);
    }

    /// <summary>"mxc://server/id" → "server/id".</summary>
    public static string PathOf(string mxc) => mxc["mxc://".Length..];

    /// <summary>Uploads and returns the mxc:// URI, failing the test on any other answer.</summary>
    public static async Task<string> UploadAsync(this HttpClient client, string token, byte[] data, string contentType = "application/octet-stream", string? fileName = null)
    {
        using var response = await client.SendAsync(Upload(data, token, contentType, fileName));
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(body);
        return JsonDocument.Parse(body).RootElement.GetProperty("content_uri").GetString()!;
    }

    /// <summary>Creates an mxc:// URI to upload to later, failing the test on any other answer.</summary>
    public static async Task<string> CreateAsync(this HttpClient client, string token)
    {
        using var response = await client.SendAsync(Create(token));
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(body);
        return JsonDocument.Parse(body).RootElement.GetProperty("content_uri").GetString()!;
    }

    /// <summary>The Matrix error of an answer: (errcode, error).</summary>
    public static async Task<(string Errcode, string Error, JsonElement Body)> MatrixErrorAsync(this HttpResponseMessage response)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("errcode").GetString()!, body.GetProperty("error").GetString()!, body);
    }
}
