using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>Settings of the section <c>Blossom</c> itself.</summary>
public sealed class BlossomOptions : IValidatableObject
{
    public const string Section = "Blossom";

    /// <summary>Base URL put into blob descriptors, e.g. <c>https://cdn.example.com</c>. Empty: taken from each request.</summary>
    public string? PublicUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(PublicUrl)
            && !(Uri.TryCreate(PublicUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Query.Length == 0))
            yield return new($"PublicUrl '{PublicUrl}' must be empty or an absolute http(s) URL such as https://cdn.example.com.");
    }
}

/// <summary>Checks <see cref="BlossomOptions"/> at start-up: its attributes and its own rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class BlossomOptionsValidator : IValidateOptions<BlossomOptions>;
