using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:List</c> (BUD-12).</summary>
public sealed class ListOptions
{
    public const string Section = "Blossom:List";

    /// <summary>Whether <c>GET /list</c> needs a <c>t=list</c> token. Default false, as most clients expect.</summary>
    public bool RequireAuth { get; set; }

    /// <summary>Largest page, and the page size when a client gives no <c>limit</c>. Default 1000.</summary>
    [Range(1, 10_000)]
    public int MaxLimit { get; set; } = 1000;
}

/// <summary>Checks <see cref="ListOptions"/> at start-up against its attributes, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class ListOptionsValidator : IValidateOptions<ListOptions>;
