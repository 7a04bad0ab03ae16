using System.Text.Json;

namespace Blossom.Tests.Conformance;

/// <summary>
/// One check of the compliance suite as its report gives it: a status of <c>pass</c>, <c>fail</c>,
/// <c>warn</c> (a failed check of a module the suite calls optional) or <c>skip</c>, and for the
/// last three what the suite saw.
/// </summary>
public sealed record ComplianceCheck(string Name, string Status, string? Message, string? Detail)
{
    internal static ComplianceCheck From(JsonElement check) => new(
        check.GetProperty("name").GetString()!,
        check.GetProperty("status").GetString()!,
        check.TryGetProperty("message", out var message) ? message.GetString() : null,
        check.TryGetProperty("detail", out var detail) ? detail.GetString() : null);

    public override string ToString() => $"{Status}: {Name}: {Message}" + (Detail is null ? "" : $" ({Detail})");
}
