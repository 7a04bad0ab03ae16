using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Blossom.Server.Options;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Blossom.Server.Matrix;

/// <summary>What the homeserver said of an access token.</summary>
internal enum TokenCheckKind
{
    /// <summary>A (non-guest) user's token: <see cref="TokenCheck.UserId"/> is the user.</summary>
    Valid,
    /// <summary>The homeserver does not know the token, or it is a guest's.</summary>
    Unknown,
    /// <summary>The homeserver did not answer, or answered with a failure: nothing is known.</summary>
    Unreachable,
}

internal readonly record struct TokenCheck(TokenCheckKind Kind, string? UserId);

/// <summary>
/// Access tokens checked with the homeserver's <c>GET /_matrix/client/v3/account/whoami</c>, as a
/// separate media repository must: this server issues no Matrix tokens. A valid token is remembered
/// for <c>Matrix:TokenCacheSeconds</c> (0: not at all; keyed by its hash, so the cache holds no tokens), sparing the
/// homeserver a call per media request; a logged-out token therefore works here that much longer.
/// Unknown tokens are not remembered: each is one call, under the per-IP rate limit.
/// </summary>
internal sealed partial class HomeserverTokens(IHttpClientFactory clients, IOptions<MatrixOptions> options, ILogger<HomeserverTokens> logger) : IDisposable
{
    public const string HttpClientName = "matrix-homeserver";

    private const string WhoAmIPath = "_matrix/client/v3/account/whoami";

    private readonly MemoryCache _valid = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public async Task<TokenCheck> CheckAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_valid.TryGetValue(key, out string? cached))
            return new(TokenCheckKind.Valid, cached);

        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(settings.HomeserverUrl.TrimEnd('/') + "/"), WhoAmIPath));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                return new(TokenCheckKind.Unknown, null);
            if (!response.IsSuccessStatusCode)
            {
                LogHomeserverFailed(logger, (int)response.StatusCode);
                return new(TokenCheckKind.Unreachable, null);
            }
            var whoAmI = await response.Content.ReadFromJsonAsync(HomeserverJsonContext.Default.WhoAmI, cancellationToken).ConfigureAwait(false);
            if (whoAmI?.UserId is not { Length: > 0 } userId)
            {
                LogHomeserverFailed(logger, (int)response.StatusCode);
                return new(TokenCheckKind.Unreachable, null);
            }
            // Guests may not upload nor read through this repository.
            if (whoAmI.IsGuest)
                return new(TokenCheckKind.Unknown, null);
            if (settings.TokenCacheSeconds > 0)
                _valid.Set(key, userId, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(settings.TokenCacheSeconds) });
            return new(TokenCheckKind.Valid, userId);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException
            || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogHomeserverUnreachable(logger, e.Message);
            return new(TokenCheckKind.Unreachable, null);
        }
    }

    public void Dispose() => _valid.Dispose();

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The homeserver answered the token check with {Status}; the request was refused with 502")]
    private static partial void LogHomeserverFailed(ILogger logger, int status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The homeserver could not be reached for a token check ({Problem}); the request was refused with 502")]
    private static partial void LogHomeserverUnreachable(ILogger logger, string problem);
}

/// <summary>The part of the homeserver's <c>whoami</c> answer this server reads.</summary>
internal sealed record WhoAmI(
    [property: JsonPropertyName("user_id")] string? UserId,
    [property: JsonPropertyName("is_guest")] bool IsGuest);

[JsonSerializable(typeof(WhoAmI))]
internal sealed partial class HomeserverJsonContext : JsonSerializerContext;
