using System.Text;
using System.Text.Json;
using Blossom.Core.Auth;

namespace Blossom.Tests.Auth;

/// <summary>The BUD-11 check in Blossom.Core, without HTTP.</summary>
public sealed class AuthorizationEventTests
{
    // Signed by nostr-tools (finalizeEvent): its content holds quotes, a backslash, tab, newline,
    // carriage return, control characters, DEL, accents, an emoji and "</script>", each of which
    // NIP-01 serializes in one exact way.
    private const string NostrToolsToken = "eyJraW5kIjoyNDI0MiwiY3JlYXRlZF9hdCI6MTc5MDAwMDAwMCwiY29udGVudCI6IlVwbG9hZCBcInhcIlxcXFwgdGFiXHQgbmxcbiBjclxyIGN0bFx1MDAwMVx1MDAxZiBkZWx_IMOpIPCfjLggPC9zY3JpcHQ-IiwidGFncyI6W1sidCIsInVwbG9hZCJdLFsiZXhwaXJhdGlvbiIsIjQxMDI0NDQ4MDAiXSxbIngiLCJiMTY3NDE5MWE4OGVjNWNkZDczM2U0MjQwYTgxODAzMTA1ZGM0MTJkNmM2NzA4ZDUzYWI5NGZjMjQ4ZjRmNTUzIl0sWyJzZXJ2ZXIiLCJjZG4uZXhhbXBsZS5jb20iXV0sInB1YmtleSI6IjMwNDc2NzBiY2ZkZjE2ZmZmNWFmOGJjODQ2OWU0ODMwMGVmYTk1MWI5ZjdkNWQwYjQ3NjQ4N2U2OTQ2M2ZhNTQiLCJpZCI6ImU4NDUxMzc1NDE3MmJiNjY4NDAzYzQ4OTMxOWQ1ZmUxODhkMTVlOWE3OTVkNzk3MmQ4MTNlNDU2MTYzYzQzNzYiLCJzaWciOiJkNDAxOTIwMTkxMmJlNjdkYzk3NjUyNWM1N2FkYzU1ZjU5MTViZmRiNGI4NTA5OThlNGZmZDg1ZjQ0ZWQwY2Y4OWVlNmVjZWMwMjU0ZDJlMWYwYmI2YjVjODI5YWNhMzdiOWYwN2FjYTFhNWNkZDAwYzY1OGE0OGJjNmQyYTRmNyJ9";
    private const string BlobHash = "b1674191a88ec5cdd733e4240a81803105dc412d6c6708d53ab94fc248f4f553";
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1790000000);

    /// <summary>The token expires in 2100, so the lifetime limit is lifted where it is not the subject.</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365 * 100);

    [Fact]
    public void NostrEventId_EventSignedByNostrTools_RecomputesItsId()
    {
        var e = JsonSerializer.Deserialize<NostrEvent>(Convert.FromBase64String(ToStandardBase64(NostrToolsToken)))!;

        Convert.ToHexStringLower(NostrEventId.Compute(e)).Should().Be(e.Id);
    }

    [Fact]
    public void Validate_EventSignedByNostrTools_Succeeds()
    {
        var result = AuthorizationEvent.Validate("Nostr " + NostrToolsToken, Request(), SignedAt.AddSeconds(5), TimeSpan.FromSeconds(60), MaxLifetime);

        result.Failure.Should().BeNull();
        result.Event!.Pubkey.Should().Be("3047670bcfdf16fff5af8bc8469e48300efa951b9f7d5d0b476487e69463fa54");
        result.Event.Covers(BlobHash).Should().BeTrue();
    }

    [Theory]
    [InlineData("other.example.com", "not scoped")]
    [InlineData("CDN.EXAMPLE.COM", null)]
    public void Validate_ServerTag_ComparedByHostName(string host, string? failure)
    {
        var result = AuthorizationEvent.Validate("Nostr " + NostrToolsToken, Request() with { ServerNames = [host] }, SignedAt.AddSeconds(5), TimeSpan.FromSeconds(60), MaxLifetime);

        if (failure is null) result.Failure.Should().BeNull();
        else result.Failure.Should().Contain(failure);
    }

    [Theory]
    [InlineData(-61, "created_at is in the future")]
    [InlineData(-59, null)]
    public void Validate_CreatedAt_AllowsConfiguredClockSkewOnly(int secondsFromSigning, string? failure)
    {
        var result = AuthorizationEvent.Validate("Nostr " + NostrToolsToken, Request(), SignedAt.AddSeconds(secondsFromSigning), TimeSpan.FromSeconds(60), MaxLifetime);

        if (failure is null) result.Failure.Should().BeNull();
        else result.Failure.Should().Contain(failure);
    }

    [Fact]
    public void Validate_TamperedByOneByte_FailsOnId()
    {
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(ToStandardBase64(NostrToolsToken))).Replace("tab", "tac", StringComparison.Ordinal);
        var tampered = Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

        var result = AuthorizationEvent.Validate("Nostr " + tampered, Request(), SignedAt.AddSeconds(5), TimeSpan.FromSeconds(60), MaxLifetime);

        result.Failure.Should().Contain("id does not match");
    }

    [Fact]
    public void Validate_ServerTagWhenNoNameConfigured_FailsNamingTheSettings()
    {
        var result = AuthorizationEvent.Validate("Nostr " + NostrToolsToken, Request() with { ServerNames = [] }, SignedAt.AddSeconds(5), TimeSpan.FromSeconds(60), MaxLifetime);

        result.Failure.Should().Be("Authorization event is scoped to a server, but this server has no name: its operator sets PublicUrl or Auth:ServerNames");
    }

    [Fact]
    public void Validate_ExpirationBeyondMaxLifetime_Fails()
    {
        // The token expires in 2100: far more than a day after it was signed.
        var result = AuthorizationEvent.Validate("Nostr " + NostrToolsToken, Request(), SignedAt.AddSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.FromDays(1));

        result.Failure.Should().Be("Authorization event expiration is more than 86400 seconds ahead");
    }

    private static AuthorizationRequest Request() => new([AuthorizationVerb.Upload], XTagRule.Required, BlobHash, ["cdn.example.com"]);

    private static string ToStandardBase64(string base64Url)
    {
        var standard = base64Url.Replace('-', '+').Replace('_', '/');
        return standard.PadRight(standard.Length + ((4 - standard.Length % 4) % 4), '=');
    }
}
