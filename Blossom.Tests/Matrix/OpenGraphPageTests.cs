using System.Text;
using Blossom.Core.Matrix;

namespace Blossom.Tests.Matrix;

/// <summary>What a page's HTML gives a preview: OpenGraph tags, their fallbacks, the image's address.</summary>
public sealed class OpenGraphPageTests
{
    private static readonly Uri Address = new("https://example.org/blog/post.html");

    private static Task<OpenGraphPage> Read(string html, string? contentType = "text/html; charset=utf-8", Encoding? encoding = null) =>
        OpenGraphPage.ReadAsync(new MemoryStream((encoding ?? Encoding.UTF8).GetBytes(html)), contentType, Address, CancellationToken.None);

    [Fact]
    public async Task Read_OpenGraphTags_FirstOfEachWithTheImageResolved()
    {
        var page = await Read("""
            <html><head>
            <meta property="og:title" content="  Matrix   Blog Post ">
            <meta property="og:description" content="A really cool post">
            <meta property="og:image" content="../img/cover.png">
            <meta property="og:image" content="https://example.org/second.png">
            <meta property="og:image:width" content="48">
            <meta property="og:site_name" content="Example">
            <meta name="twitter:title" content="not OpenGraph">
            <title>Fallback title</title>
            </head><body></body></html>
            """);

        page.Tags.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["og:title"] = "Matrix Blog Post",
            ["og:description"] = "A really cool post",
            ["og:image:width"] = "48",
            ["og:site_name"] = "Example",
        });
        page.Image.Should().Be(new Uri("https://example.org/img/cover.png"));
    }

    [Fact]
    public async Task Read_MoreElementsThanTheLimit_TagsBeforeItKept()
    {
        var page = await Read($"<html><head><meta property=\"og:title\" content=\"Early\"></head><body>{string.Concat(Enumerable.Repeat("<p></p>", OpenGraphPage.MaxElements))}<meta property=\"og:description\" content=\"Late\"></body></html>");

        page.Tags.Should().BeEquivalentTo(new Dictionary<string, string> { ["og:title"] = "Early" });
    }

    [Fact]
    public async Task Read_NoOpenGraph_TitleAndMetaDescriptionStandIn()
    {
        var page = await Read("<html><head><title>Plain page</title><meta name=\"Description\" content=\"What it is about\"></head><body><img src=\"x.png\"></body></html>");

        page.Tags.Should().BeEquivalentTo(new Dictionary<string, string> { ["og:title"] = "Plain page", ["og:description"] = "What it is about" });
        page.Image.Should().BeNull("only og:image names a preview's image");
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/png;base64,AAAA")]
    [InlineData("file:///etc/passwd")]
    public async Task Read_ImageNotHttp_NoImage(string image)
    {
        var page = await Read($"<meta property=\"og:image\" content=\"{image}\"><meta property=\"og:title\" content=\"t\">");

        page.Image.Should().BeNull();
        page.Tags.Should().ContainKey("og:title").And.NotContainKey("og:image");
    }

    [Fact]
    public async Task Read_BaseElement_ResolvesTheImageAgainstIt()
    {
        var page = await Read("<head><base href=\"https://cdn.example.net/assets/\"><meta property=\"og:image\" content=\"cover.jpg\"></head>");

        page.Image.Should().Be(new Uri("https://cdn.example.net/assets/cover.jpg"));
    }

    [Fact]
    public async Task Read_CharsetFromTheHeader_Decoded()
    {
        var page = await Read("<meta property=\"og:title\" content=\"Grüße aus Köln\">", "text/html; charset=iso-8859-1", Encoding.Latin1);

        page.Tags["og:title"].Should().Be("Grüße aus Köln");
    }

    [Fact]
    public async Task Read_CharsetFromAMetaElement_Decoded()
    {
        var page = await Read("<head><meta charset=\"iso-8859-1\"><meta property=\"og:title\" content=\"Grüße\"></head>", "text/html", Encoding.Latin1);

        page.Tags["og:title"].Should().Be("Grüße");
    }

    [Fact]
    public async Task Read_HostilePage_TagsValuesAndTheirLengthBounded()
    {
        var many = await Read(Page(valueLength: 10));
        var lengthy = await Read(Page(valueLength: 5000));

        many.Tags.Should().HaveCount(OpenGraphPage.MaxTags);
        lengthy.Tags.Values.Should().OnlyContain(v => v.Length == OpenGraphPage.MaxValueLength);
        lengthy.Tags.Sum(t => t.Key.Length + t.Value.Length).Should().BeLessThanOrEqualTo(OpenGraphPage.MaxTagsLength);
        lengthy.Tags.Keys.Should().Equal(Enumerable.Range(0, lengthy.Tags.Count).Select(i => $"og:tag{i}"), "the page's first tags are the ones kept");

        static string Page(int valueLength)
        {
            var html = new StringBuilder();
            for (var i = 0; i < 200; i++)
                html.Append($"<meta property=\"og:tag{i}\" content=\"").Append(new string('v', valueLength)).Append("\">");
            return html.ToString();
        }
    }
}
