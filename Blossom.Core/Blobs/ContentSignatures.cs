using System.Text;

namespace Blossom.Core.Blobs;

/// <summary>
/// The type of a blob by its first bytes, for uploads that name none (<c>curl -T photo.png</c>
/// sends no <c>Content-Type</c>). A fixed table of magic numbers rather than the libvips and
/// ffprobe inspection: it reads only the bytes the upload streams past anyway, so a large file
/// is not read a second time, and it answers for archives and documents the media tools do not
/// know. Text formats are left unnamed on purpose: a guess of HTML or SVG would be a guess of
/// active content, and a blob that is nothing known stays <c>application/octet-stream</c>.
/// </summary>
public static class ContentSignatures
{
    /// <summary>How many leading bytes <see cref="Detect"/> looks at; a Matroska header names its doctype within them.</summary>
    public const int HeadLength = 64;

    private static readonly (byte[] Magic, string Type)[] Prefixes =
    [
        ([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], "image/png"),
        ([0xFF, 0xD8, 0xFF], "image/jpeg"),
        ("GIF87a"u8.ToArray(), "image/gif"),
        ("GIF89a"u8.ToArray(), "image/gif"),
        ([0xFF, 0x0A], "image/jxl"),
        ([0x00, 0x00, 0x00, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A], "image/jxl"),
        ([(byte)'I', (byte)'I', 0x2A, 0x00], "image/tiff"),
        ([(byte)'M', (byte)'M', 0x00, 0x2A], "image/tiff"),
        ("ID3"u8.ToArray(), "audio/mpeg"),
        ("OggS"u8.ToArray(), "audio/ogg"),
        ("fLaC"u8.ToArray(), "audio/flac"),
        ("%PDF-"u8.ToArray(), "application/pdf"),
        ([(byte)'P', (byte)'K', 0x03, 0x04], "application/zip"),
        ([(byte)'P', (byte)'K', 0x05, 0x06], "application/zip"),
        ([0x1F, 0x8B], "application/gzip"),
        ([(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C], "application/x-7z-compressed"),
    ];

    /// <summary>RIFF containers by the form type at bytes 8 to 12.</summary>
    private static readonly Dictionary<string, string> RiffForms = new(StringComparer.Ordinal)
    {
        ["WEBP"] = "image/webp",
        ["WAVE"] = "audio/wav",
        ["AVI "] = "video/x-msvideo",
    };

    /// <summary>ISO base media files (MP4, QuickTime, HEIF) by the major brand of their <c>ftyp</c> box; other brands are MP4 video.</summary>
    private static readonly Dictionary<string, string> FtypBrands = new(StringComparer.Ordinal)
    {
        ["avif"] = "image/avif",
        ["avis"] = "image/avif",
        ["heic"] = "image/heic",
        ["heix"] = "image/heic",
        ["heim"] = "image/heic",
        ["heis"] = "image/heic",
        ["mif1"] = "image/heif",
        ["msf1"] = "image/heif",
        ["qt  "] = "video/quicktime",
        ["M4A "] = "audio/mp4",
        ["M4B "] = "audio/mp4",
        ["3gp4"] = "video/3gpp",
        ["3gp5"] = "video/3gpp",
        ["3gp6"] = "video/3gpp",
    };

    /// <summary>The type <paramref name="head"/> (a blob's first bytes, up to <see cref="HeadLength"/>) shows; null when it is none of the table's.</summary>
    public static string? Detect(ReadOnlySpan<byte> head)
    {
        foreach (var (magic, type) in Prefixes)
        {
            if (head.StartsWith(magic))
                return type;
        }
        if (head.Length >= 12 && head.StartsWith("RIFF"u8))
            return RiffForms.GetValueOrDefault(Encoding.ASCII.GetString(head[8..12]));
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
            return FtypBrands.GetValueOrDefault(Encoding.ASCII.GetString(head[8..12]), "video/mp4");
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
            return head.IndexOf("webm"u8) >= 0 ? "video/webm" : "video/x-matroska";
        // An MPEG audio frame without an ID3 tag: 11 sync bits, then layer III.
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE6) == 0xE2)
            return "audio/mpeg";
        // ADTS, the bare AAC stream: 12 sync bits, then layer 0.
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xF6) == 0xF0)
            return "audio/aac";
        return null;
    }
}
