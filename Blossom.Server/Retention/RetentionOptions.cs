using System.ComponentModel.DataAnnotations;
using Blossom.Core.Retention;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>
/// <c>Blossom:Retention</c>: storage rules, which blobs are kept and for how long. With no rules (the
/// default) every blob is kept; a new rule set starts as a dry run that only counts.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Blossom:Retention";

    /// <summary>The rules, first match decides per owner of a blob. Default empty: everything is kept.</summary>
    public List<RetentionRule> Rules { get; set; } = [];

    /// <summary>
    /// Default true: the sweep only counts and logs what the rules would remove (and <c>Sunset</c> is
    /// not sent), so an operator checks a rule set in <c>/admin/retention</c> and <c>/metrics</c> before
    /// anything is deleted.
    /// </summary>
    public bool DryRun { get; set; } = true;

    /// <summary>Minutes between sweeps, the first one that long after start. Default 60.</summary>
    [Range(1, 7 * 24 * 60)]
    public int SweepIntervalMinutes { get; set; } = 60;

    public RetentionPolicy ToPolicy() => new(Rules, DryRun);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var problems = Rules.SelectMany((rule, i) => rule.Problems($"Retention:Rules:{i} ('{rule.Name}')"));
        var repeated = Rules.GroupBy(rule => rule.Name, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"Retention:Rules: two rules are named '{g.Key}'; the name tells them apart in metrics.");
        return problems.Concat(repeated).Select(problem => new ValidationResult(problem));
    }
}

/// <summary>Checks <see cref="RetentionOptions"/> at start-up: its attributes and its rules, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
