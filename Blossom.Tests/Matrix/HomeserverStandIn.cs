using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Blossom.Tests.Matrix;

/// <summary>
/// The one stand-in of the Matrix tests: a homeserver on loopback that answers
/// <c>GET /_matrix/client/v3/account/whoami</c> for the tokens it was given, 401
/// <c>M_UNKNOWN_TOKEN</c> for any other, and 503 while <see cref="Down"/>. Everything else is the real server.
/// </summary>
internal sealed class HomeserverStandIn : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (string UserId, bool IsGuest)> _tokens = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _whoAmICalls;

    /// <summary>While true, whoami answers 503, as a homeserver being restarted does.</summary>
    public bool Down { get; set; }

    /// <summary>How many token checks reached this homeserver.</summary>
    public int WhoAmICalls => Volatile.Read(ref _whoAmICalls);

    public Uri Url { get; private set; } = null!;

    /// <summary>Issues a token for <paramref name="userId"/> and returns it.</summary>
    public string Login(string userId, bool isGuest = false)
    {
        var token = $"syt_{Guid.NewGuid():N}";
        _tokens[token] = (userId, isGuest);
        return token;
    }

    public void Logout(string token) => _tokens.TryRemove(token, out _);

    public static async Task<HomeserverStandIn> StartAsync()
    {
        var homeserver = new HomeserverStandIn();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/_matrix/client/v3/account/whoami", homeserver.WhoAmI);
        await app.StartAsync();
        homeserver._app = app;
        homeserver.Url = new Uri(app.Urls.First());
        return homeserver;
    }

    private IResult WhoAmI(HttpContext context)
    {
        Interlocked.Increment(ref _whoAmICalls);
        if (Down)
            return Results.Json(new Dictionary<string, string> { ["errcode"] = "M_UNKNOWN", ["error"] = "Starting up" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return Results.Json(new Dictionary<string, string> { ["errcode"] = "M_MISSING_TOKEN", ["error"] = "Missing access token" }, statusCode: StatusCodes.Status401Unauthorized);
        if (!_tokens.TryGetValue(header["Bearer ".Length..], out var user))
            return Results.Json(new Dictionary<string, string> { ["errcode"] = "M_UNKNOWN_TOKEN", ["error"] = "Unknown access token" }, statusCode: StatusCodes.Status401Unauthorized);
        return Results.Json(new Dictionary<string, object> { ["user_id"] = user.UserId, ["is_guest"] = user.IsGuest, ["device_id"] = "STANDIN" });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
