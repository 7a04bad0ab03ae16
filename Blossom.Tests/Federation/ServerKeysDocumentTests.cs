using System.Text.Json.Nodes;
using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

public sealed class ServerKeysDocumentTests : IDisposable
{
    private const string ServerName = "remote.example";
    private const string NotaryName = "notary.example";
    private const long ValidUntilMs = 1_900_000_000_000;
    private const long OldExpiredMs = 1_700_000_000_000;

    private readonly MatrixSigningKey _key = SpecSigningKey.Other("a", 1);
    private readonly MatrixSigningKey _secondKey = SpecSigningKey.Other("b", 2);
    private readonly MatrixSigningKey _oldKey = SpecSigningKey.Other("old", 3);
    private readonly MatrixSigningKey _notaryKey = SpecSigningKey.Other("n", 4);

    public void Dispose()
    {
        _key.Dispose();
        _secondKey.Dispose();
        _oldKey.Dispose();
        _notaryKey.Dispose();
    }

    [Fact]
    public void Check_SelfSignedDocument_ReturnsCurrentAndOldKeys()
    {
        var document = Received(Signed(Document(_key), _key));

        var keys = ServerKeysDocument.Check(document, ServerName, out var problem);

        problem.Should().BeNull();
        keys!.ServerName.Should().Be(ServerName);
        keys.ValidUntil.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(ValidUntilMs));
        keys.Keys.Keys.Should().BeEquivalentTo("ed25519:a", "ed25519:old");
        keys.Keys["ed25519:a"].PublicKey.ToArray().Should().Equal(_key.PublicKey.ToArray());
        keys.Keys["ed25519:a"].ExpiredAt.Should().BeNull();
        keys.Keys["ed25519:old"].PublicKey.ToArray().Should().Equal(_oldKey.PublicKey.ToArray());
        keys.Keys["ed25519:old"].ExpiredAt.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(OldExpiredMs));
    }

    [Fact]
    public void Check_TwoVerifyKeysBothSigned_Passes()
    {
        var document = Received(Signed(Document(_key, _secondKey), _key, _secondKey));

        ServerKeysDocument.Check(document, ServerName, out _)!.Keys.Should().ContainKeys("ed25519:a", "ed25519:b");
    }

    [Fact]
    public void Check_WrongServerName_IsRefused()
    {
        var document = Received(Signed(Document(_key), _key));

        ServerKeysDocument.Check(document, "other.example", out var problem).Should().BeNull();
        problem.Should().Contain("other.example");
    }

    [Fact]
    public void Check_VerifyKeyThatDidNotSign_IsRefused()
    {
        var document = Received(Signed(Document(_key, _secondKey), _key));

        ServerKeysDocument.Check(document, ServerName, out var problem).Should().BeNull();
        problem.Should().Contain("ed25519:b");
    }

    [Fact]
    public void Check_NoSignatures_IsRefused()
    {
        ServerKeysDocument.Check(Received(Document(_key)), ServerName, out var problem).Should().BeNull();
        problem.Should().Contain("not signed");
    }

    [Fact]
    public void Check_SignatureByAnotherKey_IsRefused()
    {
        var document = Signed(Document(_key), _key);
        using var impostor = SpecSigningKey.Other("a", 9);
        document["signatures"]![ServerName]!["ed25519:a"] = impostor.Sign(CanonicalJson.Encode(Document(_key)));

        ServerKeysDocument.Check(Received(document), ServerName, out var problem).Should().BeNull();
        problem.Should().Contain("ed25519:a");
    }

    [Theory]
    [InlineData("valid_until_ts")]
    [InlineData("old_verify_keys")]
    [InlineData("verify_keys")]
    public void Check_FieldChangedAfterSigning_IsRefused(string field)
    {
        var document = Signed(Document(_key), _key);
        switch (field)
        {
            case "valid_until_ts":
                document[field] = ValidUntilMs + 1;
                break;
            case "old_verify_keys":
                document[field]!["ed25519:old"]!["expired_ts"] = OldExpiredMs + 1;
                break;
            default:
                document[field]!["ed25519:b"] = new JsonObject { ["key"] = _secondKey.PublicKeyBase64 };
                break;
        }

        ServerKeysDocument.Check(Received(document), ServerName, out var problem).Should().BeNull();
        problem.Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("valid_until_ts")]
    [InlineData("server_name")]
    [InlineData("verify_keys")]
    public void Check_RequiredFieldMissing_IsRefused(string field)
    {
        var document = Document(_key);
        document.Remove(field);

        ServerKeysDocument.Check(Received(Signed(document, _key)), ServerName, out var problem).Should().BeNull();
        problem.Should().Contain(field);
    }

    [Fact]
    public void Check_VerifyKeyNotThirtyTwoBytes_IsRefused()
    {
        var document = Document(_key);
        document["verify_keys"]!["ed25519:a"]!["key"] = "Zm9vYmFy";

        ServerKeysDocument.Check(Received(Signed(document, _key)), ServerName, out var problem).Should().BeNull();
        problem.Should().Contain("ed25519:a");
    }

    [Fact]
    public void CheckFromNotary_SignedByServerAndNotary_Passes()
    {
        var document = Received(Signed(Signed(Document(_key), _key), NotaryName, _notaryKey));

        var keys = ServerKeysDocument.CheckFromNotary(document, ServerName, NotaryName, NotaryKeys(_notaryKey), out var problem);

        problem.Should().BeNull();
        keys!.Keys.Should().ContainKey("ed25519:a");
    }

    [Fact]
    public void CheckFromNotary_WithoutTheNotarysSignature_IsRefused()
    {
        var document = Received(Signed(Document(_key), _key));

        ServerKeysDocument.CheckFromNotary(document, ServerName, NotaryName, NotaryKeys(_notaryKey), out var problem).Should().BeNull();
        problem.Should().Contain(NotaryName);
    }

    [Fact]
    public void CheckFromNotary_NotarySignatureByAnUnknownKey_IsRefused()
    {
        using var otherNotaryKey = SpecSigningKey.Other("n", 5);
        var document = Received(Signed(Signed(Document(_key), _key), NotaryName, otherNotaryKey));

        ServerKeysDocument.CheckFromNotary(document, ServerName, NotaryName, NotaryKeys(_notaryKey), out var problem).Should().BeNull();
        problem.Should().Contain(NotaryName);
    }

    [Fact]
    public void CheckFromNotary_WithoutTheServersOwnSignature_IsRefused()
    {
        var document = Received(Signed(Document(_key), NotaryName, _notaryKey));

        ServerKeysDocument.CheckFromNotary(document, ServerName, NotaryName, NotaryKeys(_notaryKey), out var problem).Should().BeNull();
        problem.Should().Contain("ed25519:a");
    }

    [Fact]
    public void KeyFor_CurrentKey_IsUsableUntilValidUntil()
    {
        var keys = ServerKeysDocument.Check(Received(Signed(Document(_key), _key)), ServerName, out _)!;
        var validUntil = DateTimeOffset.FromUnixTimeMilliseconds(ValidUntilMs);

        keys.KeyFor("ed25519:a", validUntil)!.Value.ToArray().Should().Equal(_key.PublicKey.ToArray());
        keys.KeyFor("ed25519:a", validUntil.AddMilliseconds(1)).Should().BeNull();
        keys.KeyFor("ed25519:missing", validUntil).Should().BeNull();
    }

    [Fact]
    public void KeyFor_OldKey_IsUsableOnlyBeforeItExpired()
    {
        var keys = ServerKeysDocument.Check(Received(Signed(Document(_key), _key)), ServerName, out _)!;
        var expiredAt = DateTimeOffset.FromUnixTimeMilliseconds(OldExpiredMs);

        keys.KeyFor("ed25519:old", expiredAt.AddMilliseconds(-1))!.Value.ToArray().Should().Equal(_oldKey.PublicKey.ToArray());
        keys.KeyFor("ed25519:old", expiredAt).Should().BeNull();
    }

    [Fact]
    public void CappedAt_ValidUntilBeyondSevenDays_IsBroughtIn()
    {
        var keys = ServerKeysDocument.Check(Received(Signed(Document(_key), _key)), ServerName, out _)!;
        var fetchedAt = DateTimeOffset.FromUnixTimeMilliseconds(ValidUntilMs - TimeSpan.FromDays(30).Ticks / TimeSpan.TicksPerMillisecond);

        keys.CappedAt(fetchedAt).ValidUntil.Should().Be(fetchedAt.AddDays(7));
        keys.CappedAt(keys.ValidUntil.AddDays(-1)).Should().BeSameAs(keys);
    }

    private JsonObject Document(params MatrixSigningKey[] verifyKeys)
    {
        var verify = new JsonObject();
        foreach (var key in verifyKeys)
        {
            verify[key.KeyId] = new JsonObject { ["key"] = key.PublicKeyBase64 };
        }

        return new JsonObject
        {
            ["server_name"] = ServerName,
            ["valid_until_ts"] = ValidUntilMs,
            ["verify_keys"] = verify,
            ["old_verify_keys"] = new JsonObject
            {
                [_oldKey.KeyId] = new JsonObject { ["expired_ts"] = OldExpiredMs, ["key"] = _oldKey.PublicKeyBase64 },
            },
        };
    }

    private static JsonObject Signed(JsonObject document, params MatrixSigningKey[] keys) => Signed(document, ServerName, keys);

    private static JsonObject Signed(JsonObject document, string signingName, params MatrixSigningKey[] keys)
    {
        foreach (var key in keys)
        {
            SignedJson.Sign(document, signingName, key);
        }

        return document;
    }

    /// <summary>The document as a server receives it: sent as text and parsed again.</summary>
    private static JsonObject Received(JsonObject document) => JsonNode.Parse(document.ToJsonString())!.AsObject();

    private static Dictionary<string, ReadOnlyMemory<byte>> NotaryKeys(MatrixSigningKey key) => new() { [key.KeyId] = key.PublicKey };
}
