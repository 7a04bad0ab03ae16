using System.Net;
using Blossom.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Blossom.Tests.Endpoints;

/// <summary>Walks every mapped endpoint: whatever writes must refuse a request without a token.</summary>
public sealed class EndpointAuthorizationTests : IDisposable
{
    private static readonly string[] WriteMethods = ["PUT", "DELETE", "POST", "PATCH"];
    private readonly BlossomApplication _app = new();
    private readonly HttpClient _client;

    public EndpointAuthorizationTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task EveryWriteRoute_WithoutToken_401()
    {
        var writes = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Intersect(WriteMethods).Select(m => (Method: m, e.RoutePattern.RawText!)))
            .ToList();

        writes.Should().Contain([("PUT", "/upload/"), ("PUT", "/{blob:blobaddress}"), ("PATCH", "/{blob:blobaddress}"), ("DELETE", "/{blob:blob}"), ("PUT", "/media/"), ("DELETE", "/media/{id}/"), ("PUT", "/mirror/"), ("DELETE", "/admin/blobs/{sha256}"), ("PUT", "/admin/blocked-blobs/{sha256}"), ("DELETE", "/admin/blocked-blobs/{sha256}")]);
        foreach (var (method, pattern) in writes)
        {
            // A report needs no token: its body is itself a signed event, checked like one (400 when not).
            if (pattern == "/report/")
                continue;
            var path = pattern.Replace("{blob:blob}", new string('a', 64), StringComparison.Ordinal).Replace("{blob:blobaddress}", new string('a', 64), StringComparison.Ordinal)
                .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
                .Replace("{sha256}", new string('a', 64), StringComparison.Ordinal).Replace("{pubkey}", new string('a', 64), StringComparison.Ordinal);
            using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent([1, 2, 3]) });
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{method} {pattern} must demand a token");
        }
    }
}
