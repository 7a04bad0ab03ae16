namespace Blossom.Tests.Conformance;

/// <summary>
/// The Blossom specification's own compliance suite, run once against a default install (plus
/// <see cref="ComplianceSuiteRun.Settings"/>); one test per BUD module, failing on any check the
/// suite marks <c>fail</c> or <c>warn</c>, with the suite's messages.
/// </summary>
/// <remarks>
/// <c>blossom-compliance/</c> is <c>compliance-test/</c> of the spec repository hzrd149/blossom,
/// pull request #103, commit a15096bd226e01f7177c96a629b22d6d9927e0c7, public domain (its
/// LICENSE.txt), unmodified but for one patch: <c>helpers/config.ts</c> lists no public servers
/// and refuses any URL that is not loopback. Its checks are kept as they are. BUD-03 and BUD-10
/// only ever report <c>skip</c>: they define no server endpoint. Runs in Blossom.Tests only (its
/// own server process, on the local disk and SQLite).
/// </remarks>
public sealed class ComplianceSuiteTests(ComplianceSuiteRun run) : IClassFixture<ComplianceSuiteRun>
{
    /// <summary>The suite's modules, as report.ts lists them.</summary>
    public static TheoryData<string> Modules =>
    [
        "BUD-00", "BUD-01", "BUD-02", "BUD-03", "BUD-04", "BUD-05", "BUD-06",
        "BUD-07", "BUD-08", "BUD-09", "BUD-10", "BUD-11", "BUD-12",
    ];

    [Theory]
    [MemberData(nameof(Modules))]
    public void Module_OnDefaultSettings_HasNoFailOrWarn(string budId)
    {
        var checks = run.Module(budId);

        checks.Should().NotBeEmpty();
        checks.Where(c => c.Status is "fail" or "warn").Select(c => c.ToString()).Should().BeEmpty(
            "the compliance suite should find nothing wrong in {0} ({1} checks)", budId, checks.Count);
    }
}
