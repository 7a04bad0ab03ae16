using System.Buffers.Binary;
using System.Text;

namespace Blossom.Core.Media;

/// <summary>
/// Copies a PNG, GIF, JPEG or WebP file block by block, keeping what draws the picture and dropping
/// what tells about it: EXIF (GPS, camera, embedded thumbnails), XMP, IPTC, comments, text
/// chunks, timestamps, and blocks this copy does not know. The pixels are not decoded or touched.
/// Colour profiles stay: without them the colours would change.
/// </summary>
internal static class MetadataStripper
{
    /// <summary>PNG chunks that draw the picture or its colours (APNG frames included).</summary>
    private static readonly HashSet<string> PngPictureChunks =
        ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs", "cICP", "acTL", "fcTL", "fdAT"];

    /// <summary>WebP chunks that draw the picture or its colours (animation frames included).</summary>
    private static readonly HashSet<string> WebpPictureChunks = ["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP"];

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Writes <paramref name="inputPath"/> without its metadata to <paramref name="outputPath"/>.
    /// False, with nothing left at the output, when the format is not one of these four or the
    /// file does not follow its format's block structure.
    /// </summary>
    public static bool TryCopy(string inputPath, string outputPath, ImageHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (!header.IsPng && !header.IsGif && !header.IsJpeg && !header.IsWebp)
            return false;
        bool copied;
        using (var input = new BufferedStream(File.OpenRead(inputPath), 1 << 16))
        using (var output = new BufferedStream(File.Create(outputPath), 1 << 16))
        {
            try
            {
                copied = header.IsPng ? CopyPng(input, output)
                    : header.IsGif ? CopyGif(input, output)
                    : header.IsJpeg ? CopyJpeg(input, output)
                    : CopyWebp(input, output);
            }
            catch (EndOfStreamException)
            {
                copied = false;
            }
        }
        if (!copied)
            File.Delete(outputPath);
        return copied;
    }

    /// <summary>Chunks are length, type, data and CRC; each is kept whole or dropped whole, so CRCs stay valid. Nothing after IEND is kept.</summary>
    private static bool CopyPng(Stream input, Stream output)
    {
        Span<byte> head = stackalloc byte[8];
        input.ReadExactly(head);
        if (!head.SequenceEqual(PngSignature))
            return false;
        output.Write(head);
        while (true)
        {
            input.ReadExactly(head);
            var length = BinaryPrimitives.ReadUInt32BigEndian(head);
            if (length > int.MaxValue)
                return false;
            var type = Encoding.ASCII.GetString(head[4..]);
            var keep = PngPictureChunks.Contains(type);
            if (keep)
                output.Write(head);
            Pass(input, keep ? output : null, length + 4L);
            if (type == "IEND")
                return true;
        }
    }

    /// <summary>
    /// Keeps the screen, colour tables, frames and their timing (graphic control), and the loop
    /// count (NETSCAPE2.0/ANIMEXTS1.0); drops comments, plain text and every other application
    /// extension (XMP lives there). Nothing after the trailer is kept.
    /// </summary>
    private static bool CopyGif(Stream input, Stream output)
    {
        Span<byte> screen = stackalloc byte[13];
        input.ReadExactly(screen);
        if (!screen[..6].SequenceEqual("GIF87a"u8) && !screen[..6].SequenceEqual("GIF89a"u8))
            return false;
        output.Write(screen);
        PassColourTable(input, output, screen[10]);
        Span<byte> descriptor = stackalloc byte[9];
        Span<byte> application = stackalloc byte[11];
        while (true)
        {
            switch (ReadByte(input))
            {
                case 0x3B:
                    output.WriteByte(0x3B);
                    return true;
                case 0x2C:
                    input.ReadExactly(descriptor);
                    output.WriteByte(0x2C);
                    output.Write(descriptor);
                    PassColourTable(input, output, descriptor[8]);
                    Pass(input, output, 1); // LZW minimum code size
                    PassSubBlocks(input, output);
                    break;
                case 0x21:
                    var label = ReadByte(input);
                    if (label == 0xF9)
                    {
                        output.Write([0x21, 0xF9]);
                        PassSubBlocks(input, output);
                    }
                    else if (label == 0xFF)
                    {
                        // An application extension starts with an 11-byte identifier; then its data.
                        if (ReadByte(input) != application.Length)
                            return false;
                        input.ReadExactly(application);
                        var loop = application.SequenceEqual("NETSCAPE2.0"u8) || application.SequenceEqual("ANIMEXTS1.0"u8);
                        if (loop)
                        {
                            output.Write([0x21, 0xFF, (byte)application.Length]);
                            output.Write(application);
                        }
                        PassSubBlocks(input, loop ? output : null);
                    }
                    else
                    {
                        PassSubBlocks(input, null);
                    }
                    break;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// Keeps every segment that decoding needs (tables, frame and scan headers, the scans) plus
    /// ICC profiles (APP2) and Adobe's colour transform flag (APP14); drops the other APPn
    /// segments (JFIF and its thumbnail, EXIF, XMP, MPF's extra pictures, IPTC) and comments.
    /// </summary>
    private static bool CopyJpeg(Stream input, Stream output)
    {
        if (ReadByte(input) != 0xFF || ReadByte(input) != 0xD8)
            return false;
        output.Write([0xFF, 0xD8]);
        var payload = new byte[ushort.MaxValue];
        var marker = NextMarker(input);
        while (marker >= 0)
        {
            if (marker == 0xD9)
            {
                output.Write([0xFF, 0xD9]);
                return true;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                output.Write([0xFF, (byte)marker]);
                marker = NextMarker(input);
                continue;
            }
            var length = (ReadByte(input) << 8) | ReadByte(input);
            if (length < 2)
                return false;
            var segment = payload.AsSpan(0, length - 2);
            input.ReadExactly(segment);
            var keep = marker switch
            {
                0xE2 => segment.StartsWith("ICC_PROFILE\0"u8),
                0xEE => segment.StartsWith("Adobe"u8),
                (>= 0xE0 and <= 0xEF) or 0xFE => false,
                _ => true,
            };
            if (keep)
            {
                output.Write([0xFF, (byte)marker, (byte)(length >> 8), (byte)length]);
                output.Write(segment);
            }
            marker = marker == 0xDA ? PassScan(input, output) : NextMarker(input);
        }
        return false;
    }

    /// <summary>
    /// RIFF chunks are four-character code, little-endian size and data padded to even length;
    /// EXIF and XMP chunks are dropped and their flags in VP8X cleared, and the RIFF size is
    /// written again for what is left.
    /// </summary>
    private static bool CopyWebp(Stream input, Stream output)
    {
        Span<byte> head = stackalloc byte[12];
        input.ReadExactly(head);
        if (!head[..4].SequenceEqual("RIFF"u8) || !head[8..].SequenceEqual("WEBP"u8))
            return false;
        var left = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) - 4L;
        output.Write(head);
        var written = 4L;
        var chunk = head[..8];
        while (left > 0)
        {
            input.ReadExactly(chunk);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]) + (BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]) & 1L);
            var type = Encoding.ASCII.GetString(chunk[..4]);
            left -= 8 + size;
            if (left < 0)
                return false;
            if (!WebpPictureChunks.Contains(type))
            {
                Pass(input, null, size);
                continue;
            }
            output.Write(chunk);
            written += 8 + size;
            if (type == "VP8X" && size > 0)
            {
                // Flags: bit 3 says an EXIF chunk follows, bit 2 an XMP chunk; neither does any more.
                output.WriteByte((byte)(ReadByte(input) & ~0b1100));
                size--;
            }
            Pass(input, output, size);
        }
        output.Flush();
        output.Position = 4;
        Span<byte> riffSize = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(riffSize, (uint)written);
        output.Write(riffSize);
        return true;
    }

    /// <summary>Copies entropy-coded data up to the next marker that is not a stuffed byte or a restart, and returns that marker.</summary>
    private static int PassScan(Stream input, Stream output)
    {
        while (true)
        {
            var value = ReadByte(input);
            if (value != 0xFF)
            {
                output.WriteByte((byte)value);
                continue;
            }
            var next = ReadByte(input);
            while (next == 0xFF)
                next = ReadByte(input);
            if (next is not (0x00 or (>= 0xD0 and <= 0xD7)))
                return next;
            output.Write([0xFF, (byte)next]);
        }
    }

    /// <summary>The next marker's code (fill bytes skipped); -1 when the data does not continue with a marker.</summary>
    private static int NextMarker(Stream input)
    {
        if (ReadByte(input) != 0xFF)
            return -1;
        var code = ReadByte(input);
        while (code == 0xFF)
            code = ReadByte(input);
        return code;
    }

    private static void PassColourTable(Stream input, Stream output, byte flags)
    {
        if ((flags & 0x80) != 0)
            Pass(input, output, 3L << ((flags & 7) + 1));
    }

    private static void PassSubBlocks(Stream input, Stream? output)
    {
        while (ReadByte(input) is var size && size != 0)
        {
            output?.WriteByte((byte)size);
            Pass(input, output, size);
        }
        output?.WriteByte(0);
    }

    /// <summary>Copies <paramref name="count"/> bytes to <paramref name="output"/>, or skips them when it is null.</summary>
    private static void Pass(Stream input, Stream? output, long count)
    {
        Span<byte> buffer = stackalloc byte[4096];
        while (count > 0)
        {
            var chunk = buffer[..(int)Math.Min(buffer.Length, count)];
            input.ReadExactly(chunk);
            output?.Write(chunk);
            count -= chunk.Length;
        }
    }

    private static int ReadByte(Stream input) => input.ReadByte() is var value and >= 0 ? value : throw new EndOfStreamException();
}
