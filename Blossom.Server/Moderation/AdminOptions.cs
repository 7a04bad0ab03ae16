using System.ComponentModel.DataAnnotations;
using Blossom.Core.Blobs;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:Admin</c>: the operator API.</summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string Section = "Blossom:Admin";

    /// <summary>Hex pubkeys allowed to use <c>/admin</c>. Empty: the admin API answers 403 to everyone.</summary>
    public List<string> Pubkeys { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Pubkeys.Where(p => !BlobHash.IsValid(p)).Select(p => new ValidationResult($"Admin:Pubkeys entry '{p}' is not a 64-character lowercase hex pubkey."));
}

/// <summary>Checks <see cref="AdminOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class AdminOptionsValidator : IValidateOptions<AdminOptions>;
