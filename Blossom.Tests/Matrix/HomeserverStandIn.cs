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
    private int _inFlight;
    private int _maxInFlight;
    private TaskCompletionSource _released = CompletedGate();

    /// <summary>While true, whoami answers 503, as a homeserver being restarted does.</summary>
    public bool Down { get; set; }

    /// <summary>How many token checks reached this homeserver.</summary>
    public int WhoAmICalls => Volatile.Read(ref _whoAmICalls);

    /// <summary>The most token checks this homeserver was answering at once.</summary>
    public int MaxConcurrentWhoAmICalls => Volatile.Read(ref _maxInFlight);

    public Uri Url { get; private set; } = null!;

    /// <summary>Until <see cref="Release"/>, whoami calls arrive (and are counted) but are not answered, as on a homeserver under load.</summary>
    public void Hold() => _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answers the calls <see cref="Hold"/> kept waiting, and every later one at once.</summary>
    public void Release() => _released.TrySetResult();

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
        app.MapGet("/_matrix/client/v3/account/whoami", (Func<HttpContext, Task<IResult>>)homeserver.WhoAmI);
        await app.StartAsync();
        homeserver._app = app;
        homeserver.Url = new Uri(app.Urls.First());
        return homeserver;
    }

    private async Task<IResult> WhoAmI(HttpContext context)
    {
        Interlocked.Increment(ref _whoAmICalls);
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
                Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
            await _released.Task.WaitAsync(context.RequestAborted);
            return Answer(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private IResult Answer(HttpContext context)
    {
        if (Down)
            return Results.Json(new Dictionary<string, string> { ["errcode"] = "M_UNKNOWN", ["error"] = "Starting up" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return Results.Json(new Dictionary<string, string> { ["errcode"] = "M_MISSING_TOKEN", ["error"] = "Missing access token" }, statusCode: StatusCodes.Status401Unauthorized);
        if (!_tokens.TryGetValue(header["Bearer ".Length..], out var user))
            return Results.Json(new Dictionary<string, string> { ["errcode"] = "M_UNKNOWN_TOKEN", ["error"] = "Unknown access token" }, statusCode: StatusCodes.Status401Unauthorized);
        return Results.Json(new Dictionary<string, object> { ["user_id"] = user.UserId, ["is_guest"] = user.IsGuest, ["device_id"] = "STANDIN" });
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
