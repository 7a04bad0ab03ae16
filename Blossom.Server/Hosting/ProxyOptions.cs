using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Proxy</c>: running behind a reverse proxy.</summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Blossom:Proxy";

    /// <summary>
    /// Take the scheme, host and client address from <c>X-Forwarded-Proto/Host/For</c>, so descriptor
    /// URLs and per-IP limits are right behind a proxy. Only from <see cref="KnownProxies"/>: anyone
    /// else could forge them. <c>PublicUrl</c>, when set, still wins for URLs.
    /// </summary>
    public bool TrustForwardedHeaders { get; set; }

    /// <summary>Addresses or networks (CIDR) of the proxies trusted for forwarded headers. Empty: loopback only.</summary>
    public List<string> KnownProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => NetworkList.Validate(KnownProxies, "Proxy:KnownProxies");
}

/// <summary>Checks <see cref="ProxyOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class ProxyOptionsValidator : IValidateOptions<ProxyOptions>;
