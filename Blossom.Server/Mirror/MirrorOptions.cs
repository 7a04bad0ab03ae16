using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Mirror</c> (BUD-04).</summary>
public sealed class MirrorOptions
{
    public const string Section = "Blossom:Mirror";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether origins on loopback, private, link-local, CGNAT and other non-public addresses may be
    /// fetched. Default false: the server must not be a way into the network it runs in.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Host names that may be fetched even on private addresses, e.g. an internal CDN; each redirect hop is checked again.</summary>
    public List<string> AllowedPrivateHosts { get; set; } = [];

    /// <summary>The longest a whole download may take. Default 60 s.</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 60;
}

/// <summary>Checks <see cref="MirrorOptions"/> at start-up against its attributes, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class MirrorOptionsValidator : IValidateOptions<MirrorOptions>;
