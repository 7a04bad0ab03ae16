using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Metrics</c>: who may read <c>/metrics</c>. Both rules apply when both are set.</summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string Section = "Blossom:Metrics";

    /// <summary>
    /// Client addresses or CIDR networks served. Empty (default): loopback and private networks
    /// (10/8, 172.16/12, 192.168/16, fc00::/7), where a scraper on the same host or in the same
    /// container network sits; the internet is refused. <c>0.0.0.0/0</c> and <c>::/0</c> serve everyone.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>When set, a scrape must also send <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string BearerToken { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => NetworkList.Validate(AllowedNetworks, "Metrics:AllowedNetworks");
}

/// <summary>Checks <see cref="MetricsOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class MetricsOptionsValidator : IValidateOptions<MetricsOptions>;
