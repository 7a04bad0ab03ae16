using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Blossom.Core.Federation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Blossom.Tests.Matrix;

/// <summary>
/// The one stand-in of the Matrix tests: a homeserver on loopback that answers
/// <c>GET /_matrix/client/v3/account/whoami</c> for the tokens it was given, 401
/// <c>M_UNKNOWN_TOKEN</c> for any other, and 503 while <see cref="Down"/>. For federation it publishes
/// its signing key (<c>GET /_matrix/key/v2/server</c>, signed, as a homeserver does) and, as the
/// homeserver's reverse proxy would, sends the media routes to <see cref="MediaRepository"/>.
/// Everything else is the real server.
/// </summary>
internal sealed class HomeserverStandIn : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (string UserId, bool IsGuest)> _tokens = new(StringComparer.Ordinal);
    private readonly HttpClient _proxy = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly string _keyFolder = Directory.CreateTempSubdirectory("blossom-signing-key-").FullName;
    private WebApplication? _app;
    private int _federationMediaRequests;
    private int _keyRequests;
    private int _notaryRequests;
    private readonly byte[] _seed = RandomNumberGenerator.GetBytes(32);

    private HomeserverStandIn() => SigningKey = MatrixSigningKey.FromSeed("standin", _seed);
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

    /// <summary>The homeserver's server name, the authority of its mxc:// URIs.</summary>
    public string ServerName { get; private set; } = "example.org";

    /// <summary>The homeserver's Ed25519 key, as Synapse keeps it.</summary>
    public MatrixSigningKey SigningKey { get; }

    /// <summary>The key in Synapse's <c>signing.key</c> format, for the media repository's <c>Matrix:SigningKeyPath</c>.</summary>
    public string SigningKeyPath => Path.Combine(_keyFolder, "signing.key");

    /// <summary>How long the published key document says its keys are valid; negative: expired already.</summary>
    public TimeSpan KeyValidity { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Where the reverse proxy sends <c>/_matrix/federation/v1/media/*</c> and <c>/_matrix/media/*</c>: the media repository.</summary>
    public Uri? MediaRepository { get; set; }

    /// <summary>When set, answers the federation and legacy media routes instead of the media repository: a remote that misbehaves.</summary>
    public Func<HttpContext, Task>? MediaRoutes { get; set; }

    /// <summary>How many media requests (federation or legacy) reached this server.</summary>
    public int FederationMediaRequests => Volatile.Read(ref _federationMediaRequests);

    /// <summary>How many times its keys were asked for.</summary>
    public int KeyRequests => Volatile.Read(ref _keyRequests);

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

    public static async Task<HomeserverStandIn> StartAsync(string serverName = "example.org")
    {
        var homeserver = new HomeserverStandIn { ServerName = serverName };
        await File.WriteAllTextAsync(homeserver.SigningKeyPath, $"ed25519 standin {Convert.ToBase64String(homeserver._seed).TrimEnd('=')}\n");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/_matrix/client/v3/account/whoami", (Func<HttpContext, Task<IResult>>)homeserver.WhoAmI);
        app.MapGet("/_matrix/key/v2/server", homeserver.Keys);
        app.MapGet("/_matrix/key/v2/query/{serverName}", homeserver.Query);
        app.Map("/_matrix/federation/v1/media/{**rest}", homeserver.MediaAsync);
        app.Map("/_matrix/media/{**rest}", homeserver.MediaAsync);
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

    /// <summary>Servers whose keys this one vouches for as a notary (<c>GET /_matrix/key/v2/query/{serverName}</c>).</summary>
    public Dictionary<string, HomeserverStandIn> Vouches { get; } = new(StringComparer.Ordinal);

    /// <summary>How many notary queries reached this server.</summary>
    public int NotaryRequests => Volatile.Read(ref _notaryRequests);

    private IResult Keys()
    {
        Interlocked.Increment(ref _keyRequests);
        return Results.Text(KeyDocument().ToJsonString(), "application/json");
    }

    /// <summary>A notary's answer: the server's own document, countersigned.</summary>
    private IResult Query(string serverName)
    {
        Interlocked.Increment(ref _notaryRequests);
        if (!Vouches.TryGetValue(serverName, out var vouched))
            return Results.Json(new Dictionary<string, object> { ["server_keys"] = Array.Empty<object>() });
        var document = vouched.KeyDocument();
        SignedJson.Sign(document, ServerName, SigningKey);
        return Results.Text(new JsonObject { ["server_keys"] = new JsonArray(document) }.ToJsonString(), "application/json");
    }

    /// <summary>The key document a homeserver publishes: its current key, signed by itself.</summary>
    private JsonObject KeyDocument()
    {
        var document = new JsonObject
        {
            ["server_name"] = ServerName,
            ["verify_keys"] = new JsonObject { [SigningKey.KeyId] = new JsonObject { ["key"] = SigningKey.PublicKeyBase64 } },
            ["old_verify_keys"] = new JsonObject(),
            ["valid_until_ts"] = (DateTimeOffset.UtcNow + KeyValidity).ToUnixTimeMilliseconds(),
        };
        SignedJson.Sign(document, ServerName, SigningKey);
        return document;
    }

    /// <summary>The reverse proxy's media routes: to the media repository as they came, answers back as they are.</summary>
    private async Task MediaAsync(HttpContext context)
    {
        Interlocked.Increment(ref _federationMediaRequests);
        if (MediaRoutes is { } misbehave)
        {
            await misbehave(context);
            return;
        }
        await ForwardAsync(context);
    }

    /// <summary>Sends a request on to the media repository and its answer back, as the reverse proxy does.</summary>
    public async Task ForwardAsync(HttpContext context)
    {
        if (MediaRepository is null)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }
        using var forwarded = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(MediaRepository, $"{context.Request.Path}{context.Request.QueryString}"));
        foreach (var authorization in context.Request.Headers.Authorization)
            forwarded.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var answer = await _proxy.SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers).Where(h => h.Key != "Transfer-Encoding"))
            context.Response.Headers[name] = values.ToArray();
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>A federation media answer as a remote writes it: the metadata, then bytes (announcing <paramref name="declaredLength"/> when given, as a lying remote does) or a Location.</summary>
    public static async Task WriteFederationMediaAsync(HttpContext context, string? type = null, byte[]? bytes = null, string? location = null, int? declaredLength = null)
    {
        context.Response.ContentType = "multipart/mixed; boundary=standin";
        var head = "--standin\r\nContent-Type: application/json\r\n\r\n{}\r\n--standin\r\n"
            + (location is not null ? $"Location: {location}\r\n\r\n" : $"Content-Type: {type}\r\n" + (declaredLength is { } length ? $"Content-Length: {length}\r\n" : "") + "\r\n");
        await context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (bytes is not null)
            await context.Response.Body.WriteAsync(bytes);
        await context.Response.Body.WriteAsync("\r\n--standin--\r\n"u8.ToArray());
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
        _proxy.Dispose();
        SigningKey.Dispose();
        Directory.Delete(_keyFolder, recursive: true);
    }
}
