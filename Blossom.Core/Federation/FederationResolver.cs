using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using Blossom.Core.Outbound;
using DnsClient;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Federation;

/// <summary>
/// Turns a Matrix server name into the place its federation API is reached, by the steps of the
/// server-server API's "Resolving server names": an IP literal or an explicit port is used as it is;
/// otherwise <c>/.well-known/matrix/server</c> may delegate to another name (which then goes through
/// the same steps, SRV included); otherwise SRV records (<c>_matrix-fed._tcp</c>, then the deprecated
/// <c>_matrix._tcp</c>); otherwise port 8448. Well-known answers, good or bad, are cached by host.
/// </summary>
public sealed partial class FederationResolver
{
    public const string WellKnownPath = "/.well-known/matrix/server";

    /// <summary>A well-known document is a line of JSON; more is not one, and is not read.</summary>
    public const int MaxWellKnownBytes = 64 * 1024;

    /// <summary>How long a well-known fetch may take, redirects included, before discovery goes on without it.</summary>
    public static readonly TimeSpan WellKnownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The spec's recommended lifetime of a well-known answer that sends no cache headers.</summary>
    public static readonly TimeSpan WellKnownDefaultLifetime = TimeSpan.FromHours(24);

    /// <summary>The spec's recommended cap: a server that asks for longer still gets looked at again.</summary>
    public static readonly TimeSpan WellKnownMaxLifetime = TimeSpan.FromHours(48);

    /// <summary>
    /// The shortest a good answer is kept even when it says <c>no-store</c> or <c>max-age=0</c>, as
    /// Synapse does: otherwise every federation request to that server would cost a fetch first.
    /// </summary>
    public static readonly TimeSpan WellKnownMinLifetime = TimeSpan.FromMinutes(5);

    /// <summary>How long a first failure is kept; each failure in a row doubles it, up to <see cref="WellKnownMaxFailureLifetime"/>.</summary>
    public static readonly TimeSpan WellKnownFirstFailureLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The spec's "errors cached for up to an hour".</summary>
    public static readonly TimeSpan WellKnownMaxFailureLifetime = TimeSpan.FromHours(1);

    /// <summary>A DNS name's longest text form (RFC 1035's 255 octets on the wire); a server name near 255 with the SRV prefix is longer.</summary>
    private const int MaxDnsNameLength = 253;

    /// <summary>The SRV services asked, in order: the current one, then the one deprecated in Matrix 1.8.</summary>
    private static readonly string[] SrvServices = ["_matrix-fed._tcp.", "_matrix._tcp."];

    private readonly Dictionary<string, Uri> _knownServers;
    private readonly HttpMessageInvoker _wellKnownClient;
    private readonly ILookupClient _dns;
    private readonly TimeProvider _time;
    private readonly ILogger<FederationResolver> _logger;
    private readonly ConcurrentDictionary<string, WellKnownAnswer> _wellKnown = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _wellKnownFetches = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="knownServers">Names that skip discovery; matched without case, as the host names they are.</param>
    /// <param name="wellKnownClient">
    /// Fetches well-known documents and follows their redirects (<see cref="CreateWellKnownClient"/> in production).
    /// </param>
    /// <param name="dns">Answers the SRV lookups.</param>
    /// <param name="time">Ages the well-known cache and times the fetches.</param>
    /// <param name="logger">Tells, at debug level, why a step was passed over.</param>
    public FederationResolver(IReadOnlyList<KnownFederationServer> knownServers, HttpMessageInvoker wellKnownClient, ILookupClient dns, TimeProvider time, ILogger<FederationResolver> logger)
    {
        ArgumentNullException.ThrowIfNull(knownServers);
        _knownServers = knownServers.ToDictionary(s => s.Name, s => s.Url, StringComparer.OrdinalIgnoreCase);
        _wellKnownClient = wellKnownClient ?? throw new ArgumentNullException(nameof(wellKnownClient));
        _dns = dns ?? throw new ArgumentNullException(nameof(dns));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>
    /// The production well-known client: connections through <paramref name="guard"/>, redirects followed
    /// by <see cref="RedirectFollowingHandler"/> (http and https only, at most five), a body never
    /// buffered past <see cref="MaxWellKnownBytes"/>.
    /// </summary>
    public static HttpMessageInvoker CreateWellKnownClient(OriginGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        var client = new HttpClient(new RedirectFollowingHandler(guard.CreateHandler()))
        {
            MaxResponseContentBufferSize = MaxWellKnownBytes,
            Timeout = WellKnownTimeout,
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("BlossomServer/1.0 (federation)");
        return client;
    }

    /// <summary>
    /// Where requests for <paramref name="serverName"/> go. An unreachable or invalid well-known and DNS
    /// failures never end it: each falls through to the next step, as the spec says.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="serverName"/> is not a Matrix server name.</exception>
    public async Task<FederationDestination> ResolveAsync(string serverName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        if (_knownServers.TryGetValue(serverName, out var known))
            return new FederationDestination(known, known.Authority, OperatorChosen: true);
        if (!MatrixServerName.TryParse(serverName, out var host, out var port))
            throw new ArgumentException($"'{serverName}' is not a Matrix server name", nameof(serverName));

        // Steps 1 and 2: an IP literal, or a hostname with an explicit port; Host is the server name as given.
        if (MatrixServerName.IsIpLiteral(host) || port is not null)
            return Direct(host, port ?? MatrixServerName.DefaultPort, serverName);

        // Step 3: delegation by well-known; the delegated name is resolved without a second well-known.
        if (await WellKnownAsync(host, cancellationToken) is { } delegated
            && MatrixServerName.TryParse(delegated, out var delegatedHost, out var delegatedPort))
        {
            LogDelegated(serverName, delegated);
            if (MatrixServerName.IsIpLiteral(delegatedHost) || delegatedPort is not null)
                return Direct(delegatedHost, delegatedPort ?? MatrixServerName.DefaultPort, delegated);
            return await SrvOrDefaultPortAsync(delegatedHost, cancellationToken);
        }

        // Steps 4 to 6: SRV for the hostname itself, then port 8448.
        return await SrvOrDefaultPortAsync(host, cancellationToken);
    }

    private static FederationDestination Direct(string host, int port, string hostHeader) =>
        new(BaseUrl(host, port), hostHeader);

    private static Uri BaseUrl(string host, int port) =>
        new(string.Create(CultureInfo.InvariantCulture, $"https://{host}:{port}/"));

    /// <summary>
    /// SRV records for <paramref name="name"/>, the current service first; the connection goes to the
    /// record's target but <c>Host</c> and the certificate stay <paramref name="name"/>, since the
    /// (unsigned) DNS answer must not choose whose certificate is accepted. No record: port 8448.
    /// </summary>
    private async Task<FederationDestination> SrvOrDefaultPortAsync(string name, CancellationToken cancellationToken)
    {
        foreach (var service in SrvServices)
        {
            if (await SrvAsync(service + name, cancellationToken) is { } target)
                return new FederationDestination(BaseUrl(target.Host, target.Port), name);
        }
        return Direct(name, MatrixServerName.DefaultPort, name);
    }

    /// <summary>
    /// The SRV record to use: the lowest priority, then the highest weight (one answer is needed, and the
    /// same one each time keeps connections pooled). Targets <c>.</c> ("no service here"), port 0 and
    /// names outside the server-name grammar are passed over.
    /// </summary>
    private async Task<(string Host, int Port)?> SrvAsync(string query, CancellationToken cancellationToken)
    {
        if (query.Length > MaxDnsNameLength)
        {
            LogSrvFailed(query, $"longer than a DNS name's {MaxDnsNameLength} characters");
            return null;
        }
        IDnsQueryResponse response;
        try
        {
            response = await _dns.QueryAsync(query, QueryType.SRV, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException e)
        {
            LogSrvFailed(query, e.Message);
            return null;
        }
        if (response.HasError)
        {
            LogSrvFailed(query, response.ErrorMessage);
            return null;
        }
        var record = response.Answers.SrvRecords()
            .Select(r => (Record: r, Host: r.Target.Value.TrimEnd('.')))
            .Where(r => r.Record.Port != 0 && MatrixServerName.TryParse(r.Host, out _, out var port) && port is null)
            .OrderBy(r => r.Record.Priority)
            .ThenByDescending(r => r.Record.Weight)
            .FirstOrDefault();
        return record.Record is null ? null : (record.Host, record.Record.Port);
    }

    /// <summary>The delegated server name <paramref name="host"/>'s well-known gives, from the cache while it lasts; null when there is none.</summary>
    private async Task<string?> WellKnownAsync(string host, CancellationToken cancellationToken)
    {
        if (_wellKnown.TryGetValue(host, out var cached) && cached.Expires > _time.GetUtcNow())
            return cached.Delegated;
        // Requests for a host whose answer is not cached share one fetch; a caller that gives up leaves it
        // running for the others (it ends by itself within the timeout).
        var fetch = _wellKnownFetches.GetOrAdd(host, static (h, self) => new Lazy<Task<string?>>(() => self.FetchAndCacheAsync(h)), this);
        return await fetch.Value.WaitAsync(cancellationToken);
    }

    private async Task<string?> FetchAndCacheAsync(string host)
    {
        try
        {
            var (delegated, lifetime, problem) = await FetchWellKnownAsync(host);
            var failures = 0;
            if (delegated is null)
            {
                // Failures in a row back off exponentially, never kept past the hour.
                failures = _wellKnown.TryGetValue(host, out var previous) && previous.Delegated is null ? previous.Failures + 1 : 1;
                var backoff = WellKnownFirstFailureLifetime * Math.Pow(2, Math.Min(failures - 1, 16));
                lifetime = backoff < WellKnownMaxFailureLifetime ? backoff : WellKnownMaxFailureLifetime;
                LogWellKnownFailed(host, problem!, lifetime);
            }
            _wellKnown[host] = new WellKnownAnswer(delegated, _time.GetUtcNow() + lifetime, failures);
            return delegated;
        }
        finally
        {
            _wellKnownFetches.TryRemove(host, out _);
        }
    }

    private async Task<(string? Delegated, TimeSpan Lifetime, string? Problem)> FetchWellKnownAsync(string host)
    {
        using var timeout = new CancellationTokenSource(WellKnownTimeout, _time);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"https://{host}{WellKnownPath}"));
            using var response = await _wellKnownClient.SendAsync(request, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
                return (null, default, $"it answered {(int)response.StatusCode}");
            if (response.Content.Headers.ContentLength > MaxWellKnownBytes)
                return (null, default, $"its body is over {MaxWellKnownBytes} bytes");
            var body = await FederationJson.ReadBoundedAsync(await response.Content.ReadAsStreamAsync(timeout.Token), MaxWellKnownBytes, timeout.Token);
            if (body is null)
                return (null, default, $"its body is over {MaxWellKnownBytes} bytes");
            var delegated = ParseServer(body);
            return delegated is null
                ? (null, default, "its body has no valid m.server")
                : (delegated, Lifetime(response), null);
        }
        catch (OperationCanceledException)
        {
            return (null, default, $"it did not answer within {WellKnownTimeout}");
        }
        catch (Exception e) when (e is HttpRequestException or RedirectRefusedException or IOException)
        {
            return (null, default, e.Message);
        }
    }

    /// <summary><c>m.server</c> when the body is a JSON object whose <c>m.server</c> is a server name.</summary>
    private static string? ParseServer(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("m.server", out var server)
                && server.ValueKind == JsonValueKind.String
                && MatrixServerName.TryParse(server.GetString(), out _, out _)
                    ? server.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// How long a good answer is kept: <c>Cache-Control</c> (<c>no-store</c>, <c>no-cache</c>,
    /// <c>max-age</c>), else <c>Expires</c>, else the 24-hour default; never under
    /// <see cref="WellKnownMinLifetime"/> nor over <see cref="WellKnownMaxLifetime"/>.
    /// </summary>
    private TimeSpan Lifetime(HttpResponseMessage response)
    {
        var cacheControl = response.Headers.CacheControl;
        var lifetime = cacheControl switch
        {
            { NoStore: true } or { NoCache: true } => TimeSpan.Zero,
            { MaxAge: { } maxAge } => maxAge,
            _ when response.Content.Headers.Expires is { } expires => expires - (response.Headers.Date ?? _time.GetUtcNow()),
            _ => WellKnownDefaultLifetime,
        };
        return lifetime < WellKnownMinLifetime ? WellKnownMinLifetime
            : lifetime > WellKnownMaxLifetime ? WellKnownMaxLifetime
            : lifetime;
    }

    /// <summary>A cached well-known outcome: the delegated name (null after a failure), until when it holds, and the failures in a row.</summary>
    private sealed record WellKnownAnswer(string? Delegated, DateTimeOffset Expires, int Failures);

    [LoggerMessage(EventId = 8201, Level = LogLevel.Debug, Message = "Federation: {ServerName} delegates to {Delegated} by its well-known")]
    private partial void LogDelegated(string serverName, string delegated);

    [LoggerMessage(EventId = 8202, Level = LogLevel.Debug, Message = "Federation: no well-known delegation for {Host}, {Problem}; asked again in {Lifetime}")]
    private partial void LogWellKnownFailed(string host, string problem, TimeSpan lifetime);

    [LoggerMessage(EventId = 8203, Level = LogLevel.Debug, Message = "Federation: the SRV lookup of {Query} failed: {Problem}")]
    private partial void LogSrvFailed(string query, string problem);
}
