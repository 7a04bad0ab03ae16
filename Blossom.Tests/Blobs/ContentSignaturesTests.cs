using System.Text;
using Blossom.Core.Blobs;

namespace Blossom.Tests.Blobs;

/// <summary>The signature table that names the type of an upload sent without one.</summary>
public sealed class ContentSignaturesTests
{
    public static TheoryData<string, string> Heads => new()
    {
        { "89504E470D0A1A0A0000000D49484452", "image/png" },
        { "FFD8FFE000104A464946", "image/jpeg" },
        { Hex("GIF89a\x01\x00\x01\x00"), "image/gif" },
        { Hex("RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp" },
        { Hex("RIFF\x24\x00\x00\x00WAVEfmt "), "audio/wav" },
        { Hex("\x00\x00\x00\u001CftypavifXXXX"), "image/avif" },
        { Hex("\x00\x00\x00\u0018ftypheicXXXX"), "image/heic" },
        { Hex("\x00\x00\x00\u0020ftypisomXXXX"), "video/mp4" },
        { Hex("\x00\x00\x00\u0014ftypqt  XXXX"), "video/quicktime" },
        { Hex("\x00\x00\x00\u0020ftypM4A XXXX"), "audio/mp4" },
        { "1A45DFA39F4286810142F7810142F2810442F381084282847765626D", "video/webm" },
        { "1A45DFA3A34286810142F7810142F281044282886D6174726F736B61", "video/x-matroska" },
        { Hex("ID3\x04\x00\x00"), "audio/mpeg" },
        { "FFFB9064", "audio/mpeg" },
        { Hex("OggS\x00\x02"), "audio/ogg" },
        { Hex("fLaC\x00\x00\x00\x22"), "audio/flac" },
        { Hex("%PDF-1.7\n"), "application/pdf" },
        { "504B0304140000000800", "application/zip" },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Detect_KnownSignature_ItsType(string head, string type) =>
        ContentSignatures.Detect(Convert.FromHexString(head)).Should().Be(type);

    [Theory]
    [InlineData("")]
    [InlineData("3C68746D6C3E3C7363726970743E")] // <html><script>: text is never guessed
    [InlineData("52494646000000004142434400")] // RIFF of a form not in the table
    public void Detect_UnknownContent_Null(string head) =>
        ContentSignatures.Detect(Convert.FromHexString(head)).Should().BeNull();

    private static string Hex(string latin1) => Convert.ToHexString(Encoding.Latin1.GetBytes(latin1));
}
