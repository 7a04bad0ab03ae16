using System.Text;
using System.Text.Json.Nodes;
using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

public sealed class SignedJsonTests
{
    private const string EmptyObjectSignature = "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ";
    private const string OneTwoSignature = "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw";

    [Fact]
    public void Sign_SpecEmptyObject_EmitsTheSpecSignedJson()
    {
        using var key = SpecSigningKey.Create();
        var json = new JsonObject();

        SignedJson.Sign(json, SpecSigningKey.ServerName, key);

        Canonical(json).Should().Be($"{{\"signatures\":{{\"domain\":{{\"ed25519:1\":\"{EmptyObjectSignature}\"}}}}}}");
    }

    [Fact]
    public void Sign_SpecObjectWithData_EmitsTheSpecSignedJson()
    {
        using var key = SpecSigningKey.Create();
        var json = JsonNode.Parse("{\"one\": 1, \"two\": \"Two\"}")!.AsObject();

        SignedJson.Sign(json, SpecSigningKey.ServerName, key);

        Canonical(json).Should().Be($"{{\"one\":1,\"signatures\":{{\"domain\":{{\"ed25519:1\":\"{OneTwoSignature}\"}}}},\"two\":\"Two\"}}");
    }

    [Fact]
    public void SpecKey_SignsCanonicalBytesAndVerifies()
    {
        using var key = SpecSigningKey.Create();

        key.KeyId.Should().Be("ed25519:1");
        key.Sign("{}"u8).Should().Be(EmptyObjectSignature);
        MatrixSigningKey.Verify(key.PublicKey.Span, "{}"u8, EmptyObjectSignature).Should().BeTrue();
        UnpaddedBase64.TryDecode(key.PublicKeyBase64, out var published).Should().BeTrue();
        published.Should().Equal(key.PublicKey.ToArray());
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("")]
    [InlineData("K8280/U9SSy9IVtjBuVeLr")]
    [InlineData("L8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ")]
    public void Verify_MalformedOrWrongSignature_IsFalse(string signature)
    {
        using var key = SpecSigningKey.Create();

        MatrixSigningKey.Verify(key.PublicKey.Span, "{}"u8, signature).Should().BeFalse();
    }

    [Fact]
    public void Verify_PublicKeyOfTheWrongLength_IsFalse()
    {
        using var key = SpecSigningKey.Create();

        MatrixSigningKey.Verify(key.PublicKey.Span[..31], "{}"u8, EmptyObjectSignature).Should().BeFalse();
        MatrixSigningKey.Verify([], "{}"u8, EmptyObjectSignature).Should().BeFalse();
    }

    [Fact]
    public void Verify_SignedObject_IsTrueAndIgnoresUnsignedAndOtherSignatures()
    {
        using var key = SpecSigningKey.Create();
        using var notary = SpecSigningKey.Other("n", 7);
        var json = JsonNode.Parse("{\"one\": 1, \"unsigned\": {\"age_ts\": 5}}")!.AsObject();

        SignedJson.Sign(json, "domain", key);
        SignedJson.Sign(json, "notary.example", notary);
        json["unsigned"]!["age_ts"] = 6;

        SignedJson.Verify(json, "domain", "ed25519:1", key.PublicKey.Span).Should().BeTrue();
        SignedJson.Verify(json, "notary.example", notary.KeyId, notary.PublicKey.Span).Should().BeTrue();
        // The signature covers {"one":1} alone: neither unsigned nor the notary's signature is part of it.
        json["signatures"]!["domain"]!["ed25519:1"]!.GetValue<string>().Should().Be(key.Sign("{\"one\":1}"u8));
    }

    [Fact]
    public void Verify_TamperedFieldWrongKeyOrMissingSignature_IsFalse()
    {
        using var key = SpecSigningKey.Create();
        using var other = SpecSigningKey.Other("2", 9);
        var json = JsonNode.Parse("{\"one\": 1, \"two\": \"Two\"}")!.AsObject();
        SignedJson.Sign(json, "domain", key);

        SignedJson.Verify(json, "domain", "ed25519:1", other.PublicKey.Span).Should().BeFalse();
        SignedJson.Verify(json, "elsewhere", "ed25519:1", key.PublicKey.Span).Should().BeFalse();
        SignedJson.Verify(json, "domain", "ed25519:2", key.PublicKey.Span).Should().BeFalse();
        json["two"] = "Three";
        SignedJson.Verify(json, "domain", "ed25519:1", key.PublicKey.Span).Should().BeFalse();
    }

    [Fact]
    public void Verify_ObjectCanonicalJsonRefuses_IsFalse()
    {
        using var key = SpecSigningKey.Create();
        var json = new JsonObject { ["one"] = 1 };
        SignedJson.Sign(json, "domain", key);
        json["one"] = 1.5;

        SignedJson.Verify(json, "domain", "ed25519:1", key.PublicKey.Span).Should().BeFalse();
    }

    [Fact]
    public void Sign_SignaturesNotAnObject_IsRefused()
    {
        using var key = SpecSigningKey.Create();
        var json = new JsonObject { ["signatures"] = "none" };

        var act = () => SignedJson.Sign(json, "domain", key);

        act.Should().Throw<FormatException>().WithMessage("*signatures*");
    }

    private static string Canonical(JsonObject json) => Encoding.UTF8.GetString(CanonicalJson.Encode(json));
}
