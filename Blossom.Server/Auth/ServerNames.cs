using Blossom.Server.Options;
using Microsoft.Extensions.Options;

namespace Blossom.Server.Auth;

/// <summary>
/// The names BUD-11 <c>server</c> tags are checked against: <c>PublicUrl</c>'s host and
/// <c>Auth:ServerNames</c>, as the operator configured them. Never the request's <c>Host</c>: a
/// token scoped to another server would pass here when sent with that server's name.
/// </summary>
internal sealed partial class ServerNames(IOptions<BlossomOptions> options, IOptions<AuthOptions> auth, ILogger<ServerNames> logger)
{
    public IReadOnlyCollection<string> Names { get; } =
    [
        .. new[] { string.IsNullOrWhiteSpace(options.Value.PublicUrl) ? null : new Uri(options.Value.PublicUrl).Host }
            .Concat(auth.Value.ServerNames)
            .OfType<string>()
            .Select(n => n.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal),
    ];

    /// <summary>Says at start-up, once, that scoped tokens will be refused and how to accept them.</summary>
    public void WarnWhenNoneConfigured()
    {
        if (Names.Count == 0)
            LogNoServerName(logger);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "No server name is configured: tokens carrying BUD-11 server tags will be refused. Set Blossom:PublicUrl or Blossom:Auth:ServerNames to the host names clients use for this server.")]
    private static partial void LogNoServerName(ILogger logger);
}
