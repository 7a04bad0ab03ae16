using System.ComponentModel.DataAnnotations;
using Blossom.Core.Blobs;
using Blossom.Core.Retention;
using Blossom.Server;

namespace Blossom.Tests.Retention;

/// <summary>How a rule set judges each ownership of a blob, and which rule sets the settings check refuses.</summary>
public sealed class RetentionPolicyTests
{
    private const long Day = 86_400;
    private const long Uploaded = 1_700_000_000;
    private const string Alice = "aa00000000000000000000000000000000000000000000000000000000000000";
    private const string Bob = "bb00000000000000000000000000000000000000000000000000000000000000";

    private static readonly BlobRecord Video = new(new string('1', 64), 5_000_000, "video/mp4", Uploaded);
    private static readonly BlobRecord Note = new(new string('2', 64), 100, "text/plain", Uploaded);

    [Fact]
    public void Judge_NoRuleMatches_KeptWithoutSunset()
    {
        var policy = Policy(new RetentionRule { Name = "video", Types = ["video/*"], MaxAgeDays = 30 });

        var judged = policy.Judge(Note, [new BlobOwner(Alice, Uploaded)], accessed: null);

        judged.Ownerships.Should().ContainSingle().Which.Should().Be(new OwnershipVerdict(Alice, Uploaded, null, null));
        judged.Sunset.Should().BeNull();
    }

    [Fact]
    public void Judge_FirstMatchingRuleDecides_KeepBeforeALimit()
    {
        var friends = new RetentionRule { Name = "friends", Pubkeys = [Alice], Keep = true };
        var everyone = new RetentionRule { Name = "everyone", MaxAgeDays = 30 };

        var judged = Policy(friends, everyone).Judge(Video, [new BlobOwner(Alice, Uploaded), new BlobOwner(Bob, Uploaded + Day)], accessed: null);

        judged.Ownerships.Select(o => (o.Rule, o.ExpiresAt)).Should().Equal((friends, null), (everyone, Uploaded + (31 * Day)));
        judged.Sunset.Should().BeNull("Alice keeps it forever");
    }

    [Fact]
    public void Judge_EveryOwnerExpires_SunsetIsTheLatestExpiry()
    {
        var judged = Policy(new RetentionRule { Name = "all", MaxAgeDays = 10 })
            .Judge(Video, [new BlobOwner(Alice, Uploaded), new BlobOwner(Bob, Uploaded + (5 * Day))], accessed: null);

        judged.Sunset.Should().Be(Uploaded + (15 * Day), "Bob's later upload holds the blob longer");
    }

    [Theory]
    [InlineData("video/*", 0, 0, true)]
    [InlineData("VIDEO/MP4", 0, 0, true)]
    [InlineData("image/*", 0, 0, false)]
    [InlineData("video/*", 5_000_001, 0, false)]
    [InlineData("video/*", 1, 5_000_000, true)]
    [InlineData("video/*", 0, 4_999_999, false)]
    public void Matches_TypePatternAndSizeBounds(string type, long minSize, long maxSize, bool matches) =>
        new RetentionRule { Name = "r", Types = [type], MinSizeBytes = minSize, MaxSizeBytes = maxSize, MaxAgeDays = 1 }
            .Matches(Video, Alice).Should().Be(matches);

    [Fact]
    public void Judge_AnonymousRule_OnlyBlobsNobodyOwns()
    {
        var anonymous = new RetentionRule { Name = "anonymous", Anonymous = true, MaxAgeDays = 30 };
        var policy = Policy(anonymous);

        policy.Judge(Note, [], accessed: null).Sunset.Should().Be(Uploaded + (30 * Day));
        policy.Judge(Note, [new BlobOwner(Alice, Uploaded)], accessed: null).Sunset.Should().BeNull();
    }

    [Fact]
    public void Judge_PreviewNobodyOwns_GoesWithItsSourceNotByARule()
    {
        var preview = Note with { OriginalSha256 = Video.Sha256 };

        Policy(new RetentionRule { Name = "anonymous", Anonymous = true, MaxAgeDays = 1 }).Judge(preview, [], accessed: null).Ownerships.Should().BeEmpty();
    }

    [Fact]
    public void ExpiresAt_IdleDaysCountFromTheLastFetch_OrTheUploadWhenNeverFetched()
    {
        var idle = new RetentionRule { Name = "idle", MaxIdleDays = 365 };

        idle.ExpiresAt(Uploaded, accessed: null).Should().Be(Uploaded + (365 * Day));
        idle.ExpiresAt(Uploaded, accessed: Uploaded + (100 * Day)).Should().Be(Uploaded + (465 * Day));
    }

    [Fact]
    public void ExpiresAt_AgeAndIdle_WhicheverComesFirst()
    {
        var both = new RetentionRule { Name = "both", MaxAgeDays = 30, MaxIdleDays = 7 };

        both.ExpiresAt(Uploaded, accessed: null).Should().Be(Uploaded + (7 * Day));
        both.ExpiresAt(Uploaded, accessed: Uploaded + (25 * Day)).Should().Be(Uploaded + (30 * Day));
    }

    [Fact]
    public void Policy_KeepRulesOnly_RemovesNothingAndWatchesNoFetches()
    {
        var policy = new RetentionPolicy([new RetentionRule { Name = "friends", Pubkeys = [Alice], Keep = true }], dryRun: false);

        (policy.Removes, policy.Announces, policy.WatchesFetches).Should().Be((false, false, false));
    }

    [Fact]
    public void Policy_DryRun_AnnouncesNothing() =>
        new RetentionPolicy([new RetentionRule { Name = "all", MaxAgeDays = 1 }], dryRun: true).Announces.Should().BeFalse();

    [Theory]
    [InlineData(true, 30, 0, "", "must either Keep")]
    [InlineData(false, 0, 0, "", "must either Keep")]
    [InlineData(false, 30, 0, "video", "Types entry 'video'")]
    [InlineData(false, 30, 0, "", "")]
    public void Validate_RuleShapes(bool keep, int maxAgeDays, int maxIdleDays, string type, string problem)
    {
        var options = new RetentionOptions { Rules = [new RetentionRule { Name = "r", Keep = keep, MaxAgeDays = maxAgeDays, MaxIdleDays = maxIdleDays, Types = type.Length > 0 ? [type] : [] }] };

        var results = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        if (problem.Length == 0)
            results.Should().BeEmpty();
        else
            results.Should().ContainSingle().Which.Should().Contain(problem);
    }

    [Fact]
    public void Validate_BadPubkeyAndRepeatedName_Refused()
    {
        var options = new RetentionOptions
        {
            Rules = [new RetentionRule { Name = "r", Pubkeys = ["npub1nothex"], Keep = true }, new RetentionRule { Name = "r", MaxAgeDays = 1 }],
        };

        options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage).Should().HaveCount(2)
            .And.Contain(m => m!.Contains("npub1nothex", StringComparison.Ordinal))
            .And.Contain(m => m!.Contains("two rules are named 'r'", StringComparison.Ordinal));
    }

    private static RetentionPolicy Policy(params RetentionRule[] rules) => new(rules, dryRun: false);
}
