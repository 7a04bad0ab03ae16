using System.Text;
using System.Text.Json.Nodes;
using Blossom.Core.Federation;

namespace Blossom.Tests.Federation;

public sealed class CanonicalJsonTests
{
    /// <summary>Every example of the appendix's "Canonical JSON" section, input as given, output byte for byte.</summary>
    [Theory]
    [InlineData("{}", "{}")]
    [InlineData("{\n    \"one\": 1,\n    \"two\": \"Two\"\n}", "{\"one\":1,\"two\":\"Two\"}")]
    [InlineData("{\n    \"b\": \"2\",\n    \"a\": \"1\"\n}", "{\"a\":\"1\",\"b\":\"2\"}")]
    [InlineData("{\"b\":\"2\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\"}")]
    [InlineData(
        "{\"auth\": {\"success\": true, \"mxid\": \"@john.doe:example.com\", \"profile\": {\"display_name\": \"John Doe\", \"three_pids\": [{\"medium\": \"email\", \"address\": \"john.doe@example.org\"}, {\"medium\": \"msisdn\", \"address\": \"123456789\"}]}}}",
        "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":\"John Doe\",\"three_pids\":[{\"address\":\"john.doe@example.org\",\"medium\":\"email\"},{\"address\":\"123456789\",\"medium\":\"msisdn\"}]},\"success\":true}}")]
    [InlineData("{\n    \"a\": \"日本語\"\n}", "{\"a\":\"日本語\"}")]
    [InlineData("{\n    \"本\": 2,\n    \"日\": 1\n}", "{\"日\":1,\"本\":2}")]
    [InlineData("{\n    \"a\": \"\\u65E5\"\n}", "{\"a\":\"日\"}")]
    [InlineData("{\n    \"a\": null\n}", "{\"a\":null}")]
    [InlineData("{\n    \"a\": -0,\n    \"b\": 1e10\n}", "{\"a\":0,\"b\":10000000000}")]
    public void Encode_SpecExample_ProducesTheSpecOutput(string input, string expected)
    {
        Encode(JsonNode.Parse(input)).Should().Be(expected);
    }

    [Fact]
    public void Encode_ControlCharacters_UsesOnlyTheGrammarsEscapes()
    {
        var node = JsonNode.Parse("{\"s\":\"\\u0001\\b\\t\\n\\f\\r\\u001f\\\"\\\\\\/\\u007f\\u2028é\"}");

        Encode(node).Should().Be("{\"s\":\"\\u0001\\b\\t\\n\\f\\r\\u001f\\\"\\\\/\u007f\u2028é\"}");
    }

    [Fact]
    public void Encode_KeysBeyondTheBasicPlane_SortsByCodePointNotUtf16Unit()
    {
        // U+1F600 is the surrogate pair D83D DE00: before U+E000 by UTF-16 units, after it by code point.
        var node = new JsonObject { ["\U0001F600"] = 1, ["\uE000"] = 2, ["a"] = 3 };

        Encode(node).Should().Be("{\"a\":3,\"\uE000\":2,\"\U0001F600\":1}");
    }

    [Fact]
    public void Encode_NodesBuiltInCode_MatchTheParsedForm()
    {
        var node = new JsonObject
        {
            ["list"] = new JsonArray(1, "two", true, false, null, new JsonObject()),
            ["long"] = 9_007_199_254_740_991L,
            ["negative"] = -9_007_199_254_740_991L,
            ["whole double"] = 3.0,
        };

        Encode(node).Should().Be("{\"list\":[1,\"two\",true,false,null,{}],\"long\":9007199254740991,\"negative\":-9007199254740991,\"whole double\":3}");
    }

    [Theory]
    [InlineData("{\"a\":1.5}")]
    [InlineData("{\"a\":[0.1]}")]
    [InlineData("{\"a\":1e-3}")]
    public void Encode_Float_IsRefused(string input)
    {
        var act = () => CanonicalJson.Encode(JsonNode.Parse(input));

        act.Should().Throw<FormatException>().WithMessage("*float*");
    }

    [Theory]
    [InlineData("9007199254740992")]
    [InlineData("-9007199254740992")]
    [InlineData("18446744073709551616")]
    [InlineData("1e400")]
    public void Encode_IntegerOutsideTheSafeRange_IsRefused(string number)
    {
        var act = () => CanonicalJson.Encode(JsonNode.Parse($"{{\"a\":{number}}}"));

        act.Should().Throw<FormatException>().WithMessage("*range*");
    }

    [Fact]
    public void Encode_FloatBuiltInCode_IsRefused()
    {
        var act = () => CanonicalJson.Encode(new JsonObject { ["a"] = 0.5 });

        act.Should().Throw<FormatException>();
    }

    [Fact]
    public void Encode_LoneSurrogate_IsRefused()
    {
        var act = () => CanonicalJson.Encode(new JsonObject { ["a"] = "\uD83D" });

        act.Should().Throw<FormatException>();
    }

    private static string Encode(JsonNode? node) => Encoding.UTF8.GetString(CanonicalJson.Encode(node));
}
