using System.Text;
using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

public sealed class UnpaddedBase64Tests
{
    /// <summary>The appendix's "Unpadded Base64" examples.</summary>
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "Zg")]
    [InlineData("fo", "Zm8")]
    [InlineData("foo", "Zm9v")]
    [InlineData("foob", "Zm9vYg")]
    [InlineData("fooba", "Zm9vYmE")]
    [InlineData("foobar", "Zm9vYmFy")]
    public void Encode_SpecExample_MatchesAndDecodesBack(string plain, string encoded)
    {
        UnpaddedBase64.Encode(Encoding.ASCII.GetBytes(plain)).Should().Be(encoded);
        UnpaddedBase64.TryDecode(encoded, out var decoded).Should().BeTrue();
        Encoding.ASCII.GetString(decoded).Should().Be(plain);
    }

    [Theory]
    [InlineData("Zm9vYg==")]
    [InlineData("Zm9vYg")]
    public void TryDecode_PaddedOrNot_Decodes(string text)
    {
        UnpaddedBase64.TryDecode(text, out var decoded).Should().BeTrue();
        decoded.Should().Equal(Encoding.ASCII.GetBytes("foob"));
    }

    [Fact]
    public void TryDecode_UrlSafeAlphabet_Decodes()
    {
        byte[] bytes = [0xfb, 0xff, 0xbf];

        UnpaddedBase64.TryDecode("-_-_", out var decoded).Should().BeTrue();
        decoded.Should().Equal(bytes);
        UnpaddedBase64.Encode(bytes).Should().Be("+/+/");
    }

    [Theory]
    [InlineData("Zm9vY")]
    [InlineData("Zm9v Yg")]
    [InlineData("Zm=9v")]
    [InlineData("Zm9vYg===")]
    [InlineData("Zm9v!g")]
    public void TryDecode_Malformed_IsFalse(string text)
    {
        UnpaddedBase64.TryDecode(text, out _).Should().BeFalse();
    }
}
