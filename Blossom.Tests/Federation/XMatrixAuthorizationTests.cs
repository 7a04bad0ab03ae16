using System.Text.Json.Nodes;
using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

public sealed class XMatrixAuthorizationTests : IDisposable
{
    private const string Origin = "origin.example";
    private const string Destination = "destination.example:8448";
    private const string Uri = "/_matrix/federation/v1/media/download/abc?timeout_ms=20000";

    private readonly MatrixSigningKey _key = SpecSigningKey.Other("key1", 1);

    public void Dispose() => _key.Dispose();

    [Fact]
    public void CreateParseVerify_RoundTrip_IsValid()
    {
        var header = XMatrixAuthorization.Create("PUT", Uri, Origin, Destination, Body(), _key);

        var auth = XMatrixAuthorization.Parse(header);

        header.Should().StartWith("X-Matrix origin=\"origin.example\",destination=\"destination.example:8448\",key=\"ed25519:key1\",sig=\"");
        auth.Should().NotBeNull();
        auth!.Origin.Should().Be(Origin);
        auth.Destination.Should().Be(Destination);
        auth.KeyId.Should().Be("ed25519:key1");
        auth.Verify("PUT", Uri, Destination, Body(), _key.PublicKey.Span).Should().BeTrue();
    }

    [Fact]
    public void CreateParseVerify_NoBody_IsValidOnlyWithoutBody()
    {
        var auth = XMatrixAuthorization.Parse(XMatrixAuthorization.Create("GET", Uri, Origin, Destination, null, _key))!;

        auth.Verify("GET", Uri, Destination, null, _key.PublicKey.Span).Should().BeTrue();
        auth.Verify("GET", Uri, Destination, new JsonObject(), _key.PublicKey.Span).Should().BeFalse();
    }

    [Fact]
    public void Verify_TamperedRequest_IsFalse()
    {
        var auth = XMatrixAuthorization.Parse(XMatrixAuthorization.Create("PUT", Uri, Origin, Destination, Body(), _key))!;
        using var otherKey = SpecSigningKey.Other("key1", 2);
        var otherSignature = XMatrixAuthorization.Parse(XMatrixAuthorization.Create("PUT", Uri, Origin, Destination, Body(), otherKey))!.Signature;
        var tamperedBody = Body();
        tamperedBody["size"] = 2;

        auth.Verify("POST", Uri, Destination, Body(), _key.PublicKey.Span).Should().BeFalse();
        auth.Verify("PUT", Uri + "0", Destination, Body(), _key.PublicKey.Span).Should().BeFalse();
        auth.Verify("PUT", Uri, "elsewhere.example", Body(), _key.PublicKey.Span).Should().BeFalse();
        auth.Verify("PUT", Uri, Destination, tamperedBody, _key.PublicKey.Span).Should().BeFalse();
        auth.Verify("PUT", Uri, Destination, null, _key.PublicKey.Span).Should().BeFalse();
        auth.Verify("PUT", Uri, Destination, Body(), otherKey.PublicKey.Span).Should().BeFalse();
        (auth with { Signature = otherSignature }).Verify("PUT", Uri, Destination, Body(), _key.PublicKey.Span).Should().BeFalse();
        (auth with { Signature = "AAAA" }).Verify("PUT", Uri, Destination, Body(), _key.PublicKey.Span).Should().BeFalse();
        (auth with { Origin = "evil.example" }).Verify("PUT", Uri, Destination, Body(), _key.PublicKey.Span).Should().BeFalse();
    }

    [Fact]
    public void Verify_HeaderWithoutDestination_ChecksAgainstTheReceiversOwnName()
    {
        var auth = XMatrixAuthorization.Parse(XMatrixAuthorization.Create("GET", Uri, Origin, Destination, null, _key))! with { Destination = null };

        auth.Verify("GET", Uri, Destination, null, _key.PublicKey.Span).Should().BeTrue();
        auth.Verify("GET", Uri, "elsewhere.example", null, _key.PublicKey.Span).Should().BeFalse();
    }

    [Fact]
    public void Verify_KeyOfAnotherAlgorithm_IsFalse()
    {
        var auth = XMatrixAuthorization.Parse(XMatrixAuthorization.Create("GET", Uri, Origin, Destination, null, _key))! with { KeyId = "curve25519:key1" };

        auth.Verify("GET", Uri, Destination, null, _key.PublicKey.Span).Should().BeFalse();
    }

    [Fact]
    public void Parse_SpecExample_ReadsEveryParam()
    {
        var auth = XMatrixAuthorization.Parse("X-Matrix origin=\"origin.hs.example.com\",destination=\"destination.hs.example.com\",key=\"ed25519:key1\",sig=\"ABCDEF...\"");

        auth.Should().Be(new XMatrixAuthorization("origin.hs.example.com", "destination.hs.example.com", "ed25519:key1", "ABCDEF..."));
    }

    [Theory]
    [InlineData("X-Matrix origin=\"o.example\",key=\"ed25519:1\",sig=\"c2ln\"", null)]
    [InlineData("origin=\"o.example\",key=\"ed25519:1\",sig=\"c2ln\"", null)]
    [InlineData("X-Matrix sig=\"c2ln\",key=\"ed25519:1\",destination=\"d.example\",origin=\"o.example\"", "d.example")]
    [InlineData("x-matrix   ORIGIN=\"o.example\" ,  Key = \"ed25519:1\",\tsig=\"c2ln\" , destination=\"d.example\"  ", "d.example")]
    [InlineData("X-Matrix origin=o.example,key=ed25519:1,sig=c2ln,destination=d.example", "d.example")]
    [InlineData("X-Matrix foo=\"bar, baz\",origin=\"o.example\",x-unknown=token,key=\"ed25519:1\",sig=\"c2ln\"", null)]
    [InlineData("X-Matrix origin=\"o.example\",,key=\"ed25519:1\",sig=\"c2ln\",", null)]
    public void Parse_ValidHeader_ReadsOriginKeyAndSig(string header, string? destination)
    {
        var auth = XMatrixAuthorization.Parse(header);

        auth.Should().Be(new XMatrixAuthorization("o.example", destination, "ed25519:1", "c2ln"));
    }

    [Fact]
    public void Parse_QuotedValuesWithEscapes_AreUnescaped()
    {
        var auth = XMatrixAuthorization.Parse("X-Matrix origin=\"o\\.exa\\\"mple\",key=\"ed25519:1\",sig=\"a\\\\b,c\"");

        auth!.Origin.Should().Be("o.exa\"mple");
        auth.Signature.Should().Be("a\\b,c");
    }

    [Fact]
    public void Parse_UnquotedBase64Signature_IsRead()
    {
        var auth = XMatrixAuthorization.Parse("X-Matrix origin=o.example:8448,key=ed25519:a_1,sig=ab+/cd==");

        auth.Should().Be(new XMatrixAuthorization("o.example:8448", null, "ed25519:a_1", "ab+/cd=="));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("X-Matrix")]
    [InlineData("X-Matrix origin=\"o.example\",key=\"ed25519:1\"")]
    [InlineData("X-Matrix key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"o.example\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"\",key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"o.example,key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"o.example\" key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin=\"o.example\",origin=\"p.example\",key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix origin,key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("X-Matrix =\"o.example\",key=\"ed25519:1\",sig=\"c2ln\"")]
    [InlineData("Bearer syt_abc")]
    [InlineData("Bearer origin=\"o.example\",key=\"ed25519:1\",sig=\"c2ln\"")]
    public void Parse_Malformed_IsNull(string? header)
    {
        XMatrixAuthorization.Parse(header).Should().BeNull();
    }

    private static JsonObject Body() => JsonNode.Parse("{\"media_id\": \"abc\", \"size\": 1, \"nested\": {\"b\": [1, 2], \"a\": \"日本\"}}")!.AsObject();
}
