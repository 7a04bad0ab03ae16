using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Federation;

/// <summary>
/// Other servers' verify keys, fetched when a request names a key not known yet: through the trusted
/// key servers (notaries) in order when there are any, else (or when none of them answers) from the
/// server itself (<c>GET /_matrix/key/v2/server</c>). Each document is checked (its server, its
/// self-signatures, a notary's signature) and kept until its <c>valid_until_ts</c>; concurrent requests
/// for one server make one fetch, and a server whose keys could not be had is not asked again for a while.
/// </summary>
public sealed partial class ServerKeyStore(
    FederationClient client, IReadOnlyList<string> trustedKeyServers, TimeProvider time, ILogger<ServerKeyStore> logger)
{
    /// <summary>How long one key fetch may take.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a server is not asked again after its keys could not be had, or lacked a requested key.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<Task<Known>>> _fetching = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The public key <paramref name="keyId"/> of <paramref name="serverName"/> usable now; null when it cannot be had.</summary>
    public async Task<ReadOnlyMemory<byte>?> FindKeyAsync(string serverName, string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        ArgumentNullException.ThrowIfNull(keyId);
        var now = time.GetUtcNow();
        if (_known.TryGetValue(serverName, out var known))
        {
            if (known.Keys?.KeyFor(keyId, now) is { } key)
                return key;
            if (now - known.Fetched < RetryAfter)
                return null;
        }
        var fetch = _fetching.GetOrAdd(serverName, name => new Lazy<Task<Known>>(() => FetchAndKeepAsync(name)));
        known = await fetch.Value.WaitAsync(cancellationToken);
        return known.Keys?.KeyFor(keyId, time.GetUtcNow());
    }

    /// <summary>Fetches a server's keys detached from any one request (others wait on the same fetch), keeps them, and lets the next fetch start.</summary>
    private async Task<Known> FetchAndKeepAsync(string serverName)
    {
        try
        {
            using var timeout = new CancellationTokenSource(FetchTimeout, time);
            // The spec trusts a document until its valid_until_ts, but no longer than a week after it was fetched.
            var keys = (await FetchAsync(serverName, timeout.Token))?.CappedAt(time.GetUtcNow());
            var known = new Known(keys, time.GetUtcNow());
            _known[serverName] = known;
            return known;
        }
        finally
        {
            _fetching.TryRemove(serverName, out _);
        }
    }

    private async Task<ServerKeys?> FetchAsync(string serverName, CancellationToken cancellationToken)
    {
        foreach (var notary in trustedKeyServers.Where(n => !string.Equals(n, serverName, StringComparison.OrdinalIgnoreCase)))
        {
            if (await FetchFromNotaryAsync(serverName, notary, cancellationToken) is { } vouched)
                return vouched;
        }
        return await FetchDirectAsync(serverName, cancellationToken);
    }

    private async Task<ServerKeys?> FetchDirectAsync(string serverName, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(serverName, "/_matrix/key/v2/server", cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK || await FederationJson.ReadObjectAsync(response.Content, cancellationToken) is not { } document)
            {
                LogUnusable(serverName, serverName, $"answered {(int)response.StatusCode} without a key document");
                return null;
            }
            var keys = ServerKeysDocument.Check(document, serverName, out var problem);
            if (keys is null)
                LogUnusable(serverName, serverName, problem ?? "the document was refused");
            return keys;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or Outbound.OriginRefusedException)
        {
            LogUnusable(serverName, serverName, e.Message);
            return null;
        }
    }

    private async Task<ServerKeys?> FetchFromNotaryAsync(string serverName, string notary, CancellationToken cancellationToken)
    {
        // The notary's own keys come from the notary itself, never from another notary.
        var notaryKeys = _known.TryGetValue(notary, out var known) && known.Keys is { } kept && kept.ValidUntil > time.GetUtcNow()
            ? kept
            : await FetchDirectAsync(notary, cancellationToken);
        if (notaryKeys is null)
            return null;
        notaryKeys = notaryKeys.CappedAt(time.GetUtcNow());
        _known[notary] = new Known(notaryKeys, time.GetUtcNow());
        try
        {
            using var response = await client.GetAsync(notary, $"/_matrix/key/v2/query/{Uri.EscapeDataString(serverName)}", cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK || await FederationJson.ReadObjectAsync(response.Content, cancellationToken) is not { } answer
                || answer["server_keys"] is not JsonArray documents)
            {
                LogUnusable(serverName, notary, $"answered {(int)response.StatusCode} without server_keys");
                return null;
            }
            var now = time.GetUtcNow();
            var signing = notaryKeys.Keys.Where(k => k.Value.ExpiredAt is null).ToDictionary(k => k.Key, k => k.Value.PublicKey);
            string? problem = "no document for the server";
            foreach (var document in documents.OfType<JsonObject>())
            {
                if (ServerKeysDocument.CheckFromNotary(document, serverName, notary, signing, out problem) is { } keys && keys.ValidUntil > now)
                    return keys;
            }
            LogUnusable(serverName, notary, problem ?? "every document was refused");
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or Outbound.OriginRefusedException)
        {
            LogUnusable(serverName, notary, e.Message);
            return null;
        }
    }

    /// <summary>What is known of a server's keys: the checked document (null when none could be had) and when it was fetched.</summary>
    private sealed record Known(ServerKeys? Keys, DateTimeOffset Fetched);

    [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "Federation: the keys of {ServerName} could not be had from {Source}: {Problem}")]
    private partial void LogUnusable(string serverName, string source, string problem);
}
