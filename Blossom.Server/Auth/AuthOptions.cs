using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Auth</c> (BUD-11).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Blossom:Auth";

    /// <summary>
    /// How far in the future a token's <c>created_at</c> may be, for clients with fast clocks, and
    /// how long before the owner's latest upload a delete token may have been signed, for slow
    /// ones. Default 60 s.
    /// </summary>
    [Range(0, 3600)]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>
    /// Host names this server answers to besides <c>PublicUrl</c>'s and its listen addresses', e.g.
    /// <c>blossom.example.com</c>; tokens with BUD-11 <c>server</c> tags must name one of these. With
    /// no name at all, such tokens are refused: the request's <c>Host</c> is the client's to choose.
    /// </summary>
    public List<string> ServerNames { get; set; } = [];

    /// <summary>How far ahead a token's <c>expiration</c> may be. Default 30 days: generous for clients that sign long-lived tokens, yet a leaked token does not last for years.</summary>
    [Range(1, int.MaxValue)]
    public int MaxTokenLifetimeSeconds { get; set; } = 30 * 24 * 3600;

    /// <summary>Entries are compared with the host of <c>server</c> tags, so only a bare host name can ever match.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ServerNames.Where(n => Uri.CheckHostName(n) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            .Select(n => new ValidationResult($"Auth:ServerNames entry '{n}' is not a bare host name such as blossom.example.com (no scheme, port or path)."));
}

/// <summary>Checks <see cref="AuthOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class AuthOptionsValidator : IValidateOptions<AuthOptions>;
