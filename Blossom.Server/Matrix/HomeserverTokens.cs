using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>What the homeserver said of an access token.</summary>
internal enum TokenCheckKind
{
    /// <summary>A (non-guest) user's token: <see cref="TokenCheck.UserId"/> is the user.</summary>
    Valid,
    /// <summary>The homeserver does not know the token, or it is a guest's.</summary>
    Unknown,
    /// <summary>The homeserver did not answer, or answered with a failure: nothing is known.</summary>
    Unreachable,
    /// <summary>Not asked: the client's address is over its failed checks, or every check slot is taken; retry after <see cref="TokenCheck.RetryAfter"/>.</summary>
    Limited,
}

internal readonly record struct TokenCheck(TokenCheckKind Kind, string? UserId, TimeSpan? RetryAfter = null);

/// <summary>
/// Access tokens checked with the homeserver's <c>GET /_matrix/client/v3/account/whoami</c>, as a
/// separate media repository must: this server issues no Matrix tokens. Every cache is keyed by the
/// token's SHA-256, so none holds a token. A valid token is remembered for
/// <c>Matrix:TokenCacheSeconds</c> (0: not at all), sparing the homeserver a call per media request; a
/// logged-out token therefore works here that much longer. A refused token (or a guest's) is answered
/// 401 from memory for <c>Matrix:UnknownTokenCacheSeconds</c>, in a cache of its own so a flood of
/// them cannot push valid tokens out. Refused checks are limited per client address
/// (<c>Matrix:FailedTokenChecksPerIpPerMinute</c>), and at most <c>Matrix:MaxConcurrentTokenChecks</c>
/// calls are sent at once, with <c>Matrix:TokenCheckQueueLimit</c> more waiting up to
/// <see cref="QueueWait"/>; beyond either, the request is answered 429 without asking.
/// </summary>
internal sealed partial class HomeserverTokens(
    IHttpClientFactory clients, IOptions<MatrixOptions> options, FailedTokenChecks failures, ILogger<HomeserverTokens> logger) : IDisposable
{
    public const string HttpClientName = "matrix-homeserver";

    private const string WhoAmIPath = "_matrix/client/v3/account/whoami";

    /// <summary>The longest a check waits for a free slot: as long as one check may take.</summary>
    private static readonly TimeSpan QueueWait = MatrixAuthorization.HomeserverTimeout;

    /// <summary>When every slot is taken: about the time a few checks take.</summary>
    private static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(1);

    private readonly MemoryCache _valid = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly MemoryCache _unknown = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly ConcurrencyLimiter _slots = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentTokenChecks,
        QueueLimit = options.Value.TokenCheckQueueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <param name="token">The access token as the client sent it.</param>
    /// <param name="client">The client's address, whose refused checks are counted.</param>
    /// <param name="cancellationToken">The request's: a client that goes away stops waiting.</param>
    public async Task<TokenCheck> CheckAsync(string token, IPAddress? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (Remembered(key) is { } remembered)
            return remembered;

        var settings = options.Value;
        FailedTokenCheckPlace? place = null;
        if (settings.FailedTokenChecksPerIpPerMinute > 0)
        {
            place = failures.TryTake(client?.ToString() ?? "", settings.FailedTokenChecksPerIpPerMinute, out var retryAfter);
            if (place is null)
                return new(TokenCheckKind.Limited, null, retryAfter);
        }
        var refused = false;
        try
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(QueueWait);
            RateLimitLease slot;
            try
            {
                slot = await _slots.AcquireAsync(1, wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogSlotsBusy(logger);
                return new(TokenCheckKind.Limited, null, BusyRetry);
            }
            using (slot)
            {
                if (!slot.IsAcquired)
                {
                    LogSlotsBusy(logger);
                    return new(TokenCheckKind.Limited, null, BusyRetry);
                }
                // Another request may have checked the same token while this one waited.
                if (Remembered(key) is { } checkedMeanwhile)
                    return checkedMeanwhile;
                (var check, refused) = await AskAsync(token, key, settings, cancellationToken);
                return check;
            }
        }
        finally
        {
            if (refused)
                place?.Keep();
            else
                place?.GiveBack();
        }
    }

    private TokenCheck? Remembered(string key)
    {
        if (_valid.TryGetValue(key, out string? userId))
            return new(TokenCheckKind.Valid, userId);
        if (_unknown.TryGetValue(key, out _))
            return new(TokenCheckKind.Unknown, null);
        return null;
    }

    /// <summary>The homeserver's answer, and whether it refused the token (a failed check of the client's).</summary>
    private async Task<(TokenCheck Check, bool Refused)> AskAsync(string token, string key, MatrixOptions settings, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(settings.HomeserverUrl.TrimEnd('/') + "/"), WhoAmIPath));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                RememberUnknown(key, settings);
                return (new(TokenCheckKind.Unknown, null), true);
            }
            if (!response.IsSuccessStatusCode)
            {
                LogHomeserverFailed(logger, (int)response.StatusCode);
                return (new(TokenCheckKind.Unreachable, null), false);
            }
            var whoAmI = await response.Content.ReadFromJsonAsync(HomeserverJsonContext.Default.WhoAmI, cancellationToken);
            if (whoAmI?.UserId is not { Length: > 0 } userId)
            {
                LogHomeserverFailed(logger, (int)response.StatusCode);
                return (new(TokenCheckKind.Unreachable, null), false);
            }
            // Guests may not upload nor read through this repository; a guest's token is no guess, so not a failed check.
            if (whoAmI.IsGuest)
            {
                RememberUnknown(key, settings);
                return (new(TokenCheckKind.Unknown, null), false);
            }
            if (settings.TokenCacheSeconds > 0)
                _valid.Set(key, userId, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(settings.TokenCacheSeconds) });
            return (new(TokenCheckKind.Valid, userId), false);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException
            || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogHomeserverUnreachable(logger, e.Message);
            return (new(TokenCheckKind.Unreachable, null), false);
        }
    }

    private void RememberUnknown(string key, MatrixOptions settings)
    {
        if (settings.UnknownTokenCacheSeconds > 0)
            _unknown.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(settings.UnknownTokenCacheSeconds) });
    }

    public void Dispose()
    {
        _valid.Dispose();
        _unknown.Dispose();
        _slots.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The homeserver answered the token check with {Status}; the request was refused with 502")]
    private static partial void LogHomeserverFailed(ILogger logger, int status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The homeserver could not be reached for a token check ({Problem}); the request was refused with 502")]
    private static partial void LogHomeserverUnreachable(ILogger logger, string problem);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Every homeserver token check slot is taken (Matrix:MaxConcurrentTokenChecks, Matrix:TokenCheckQueueLimit); a request was answered 429")]
    private static partial void LogSlotsBusy(ILogger logger);
}

/// <summary>The part of the homeserver's <c>whoami</c> answer this server reads.</summary>
internal sealed record WhoAmI(
    string? UserId,
    bool IsGuest);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WhoAmI))]
internal sealed partial class HomeserverJsonContext : JsonSerializerContext;
