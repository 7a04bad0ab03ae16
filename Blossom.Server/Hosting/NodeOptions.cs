using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Node</c>: this server process among several on one database and bucket.</summary>
public sealed class NodeOptions
{
    public const string Section = "Blossom:Node";

    /// <summary>
    /// Names this node in <c>/metrics</c> and in the leases of the media jobs it runs. Empty
    /// (default): the host name, which a container or machine per node makes unique.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._:-]{0,64}$", ErrorMessage = "Node:Name may hold letters, digits and . _ : - (at most 64).")]
    public string Name { get; set; } = "";

    public string NameOrHost => Name.Length > 0 ? Name : Environment.MachineName;
}

/// <summary>Checks <see cref="NodeOptions"/> at start-up against its attributes, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class NodeOptionsValidator : IValidateOptions<NodeOptions>;
