using System.Buffers.Binary;
using System.Diagnostics;
using NetVips;
using VipsImage = NetVips.Image;

namespace Blossom.Tests.Media;

/// <summary>Real media made on the spot with libvips and ffmpeg, each distinct per call so no two tests share a result.</summary>
internal static class MediaSamples
{
    private static int _seed = Environment.ProcessId;

    /// <summary>
    /// A 4000x3000 (12 MP) JPEG whose EXIF says "rotate 90° clockwise to display" and carries a GPS
    /// position, as phones write them: upright it is 3000x4000.
    /// </summary>
    public static byte[] PhoneJpeg()
    {
        using var image = Pattern(4000, 3000);
        var jpeg = image.JpegsaveBuffer(q: 85);
        return WithSegment(jpeg, 0xE1, PhoneExif());
    }

    /// <summary>
    /// A 10000x10000 progressive JPEG of a dark picture: about a hundred kilobytes on disk, but a
    /// decoder must hold all its coefficients (width x height x 3 x 2 bytes, 600 MB) to draw it.
    /// Encoding it once costs as much, so each call returns the same picture with its own comment.
    /// </summary>
    public static byte[] HugeProgressiveJpeg() => WithSegment(ProgressiveTemplate.Value, 0xFE, BitConverter.GetBytes(Interlocked.Increment(ref _seed)));

    private static readonly Lazy<byte[]> ProgressiveTemplate = new(() =>
    {
        using var image = Pattern(10000, 10000);
        using var dark = (image / 16).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        return dark.JpegsaveBuffer(q: 50, interlace: true, keep: Enums.ForeignKeep.None);
    });

    public static byte[] PngWithAlpha(int width = 800, int height = 600)
    {
        using var rgb = Pattern(width, height);
        using var black = VipsImage.Black(width, height);
        using var alpha = (black + 128).Cast(Enums.BandFormat.Uchar);
        using var rgba = rgb.Bandjoin(alpha);
        return rgba.PngsaveBuffer();
    }

    /// <summary>
    /// A JPEG of one flat sRGB colour; with <paramref name="profile"/> (a libvips built-in such as
    /// <c>p3</c>), the same colour stored in that colour space, its profile embedded.
    /// </summary>
    public static byte[] FlatJpeg(byte[] srgb, string? profile, int width = 2400, int height = 1600)
    {
        using var black = VipsImage.Black(width, height, bands: 3);
        using var flat = (black + srgb.Select(b => (double)b).ToArray()).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        if (profile is null)
            return flat.JpegsaveBuffer(q: 95, keep: Enums.ForeignKeep.None);
        using var stored = flat.IccTransform(profile, inputProfile: "srgb", embedded: false);
        return stored.JpegsaveBuffer(q: 95, keep: Enums.ForeignKeep.Icc);
    }

    /// <summary>How far a pixel's first three bands are from an sRGB colour: the largest difference, in levels.</summary>
    public static double ColourDistance(double[] pixel, byte[] srgb) => pixel.Take(3).Zip(srgb, (p, s) => Math.Abs(p - s)).Max();

    /// <summary>A 16-bit RGB PNG, Adam7-interlaced: a decoder holds all of it, 6 bytes per pixel.</summary>
    public static byte[] InterlacedPng16(int width, int height)
    {
        using var rgb = Pattern(width, height);
        using var deep = (rgb * 257).Cast(Enums.BandFormat.Ushort).Copy(interpretation: Enums.Interpretation.Rgb16);
        return deep.PngsaveBuffer(interlace: true, keep: Enums.ForeignKeep.None);
    }

    /// <summary>Text hidden in <see cref="Checkerboard"/>'s metadata, to look for in what is served.</summary>
    public const string Secret = "taken at 48.8566N 2.3522E";

    /// <summary>
    /// A black-and-white checkerboard of single pixels: PNG, GIF and lossless WebP store it in a
    /// few KB and a low-quality JPEG in less than half of what lossy WebP at quality 80 makes of it.
    /// <paramref name="type"/> is image/png, image/gif, image/jpeg or image/webp; with
    /// <paramref name="metadata"/> the file carries <see cref="Secret"/> in a text chunk, comment
    /// extension, COM segment or XMP chunk (PNG and WebP also carry EXIF, with
    /// <paramref name="orientation"/>).
    /// </summary>
    public static byte[] Checkerboard(string type, bool metadata = true, int orientation = 1)
    {
        // The width makes each call's picture its own.
        var width = 640 + Interlocked.Increment(ref _seed) % 128;
        using var xy = VipsImage.Xyz(width, 480);
        using var sum = xy[0] + xy[1];
        using var plain = (sum % 2 * 255).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Bw);
        var secret = System.Text.Encoding.ASCII.GetBytes(Secret);
        using var board = metadata
            ? plain.Mutate(m =>
            {
                m.Set(GValue.GStrType, "png-comment-0-Comment", Secret);
                m.Set(GValue.BlobType, "xmp-data", secret);
                m.Set(GValue.GIntType, "orientation", orientation);
            })
            : plain.Copy();
        var keep = metadata ? Enums.ForeignKeep.All : Enums.ForeignKeep.None;
        return type switch
        {
            "image/png" => board.PngsaveBuffer(keep: keep),
            "image/webp" => board.WebpsaveBuffer(lossless: true, keep: keep),
            "image/gif" => metadata ? WithGifComment(board.GifsaveBuffer(keep: keep), secret) : board.GifsaveBuffer(keep: keep),
            "image/jpeg" => metadata ? WithSegment(board.JpegsaveBuffer(q: 10, keep: keep), 0xFE, secret) : board.JpegsaveBuffer(q: 10, keep: keep),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    /// <summary>An animated GIF of <paramref name="frames"/> frames, each 300x200.</summary>
    public static byte[] AnimatedGif(int frames = 3) => Animation(frames, a => a.GifsaveBuffer());

    /// <summary>An animated WebP of <paramref name="frames"/> frames, each 300x200.</summary>
    public static byte[] AnimatedWebp(int frames = 3) => Animation(frames, a => a.WebpsaveBuffer());

    /// <summary>
    /// A long animated GIF by ffmpeg (its colour test pattern, hue turned per call), cheap to make
    /// however many frames: 999 frames of 160x160 are 25.6 megapixels in about a second.
    /// </summary>
    public static Task<byte[]> LongAnimatedGifAsync(int frames, int width, int height) => FfmpegAsync(".gif",
        "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=10,hue=h={Interlocked.Increment(ref _seed) % 360}", "-frames:v", $"{frames}");

    private static byte[] Animation(int frames, Func<VipsImage, byte[]> save)
    {
        var pages = Enumerable.Range(0, frames).Select(i => Pattern(300, 200, shift: i * 40)).ToArray();
        try
        {
            using var strip = VipsImage.Arrayjoin(pages, across: 1);
            using var animation = strip.Mutate(m =>
            {
                m.Set(GValue.GIntType, "page-height", 200);
                m.Set(GValue.ArrayIntType, "delay", Enumerable.Repeat(100, frames).ToArray());
                m.Set(GValue.GIntType, "loop", 0);
            });
            return save(animation);
        }
        finally
        {
            foreach (var page in pages)
                page.Dispose();
        }
    }

    /// <summary>
    /// An H.264 + AAC MP4 made by ffmpeg from its test sources; <paramref name="rotation"/> (degrees)
    /// is written as the stream's display rotation, as phones record upright video.
    /// </summary>
    public static async Task<byte[]> VideoAsync(int width, int height, int fps, double seconds, string preset = "ultrafast", int rotation = 0)
    {
        var frequency = 200 + Interlocked.Increment(ref _seed) % 2000;
        var video = await FfmpegAsync(".mp4",
            "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
            "-f", "lavfi", "-i", $"sine=frequency={frequency}:duration={seconds}",
            "-c:v", "libx264", "-preset", preset, "-crf", "28", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest");
        if (rotation == 0)
            return video;
        // ffmpeg 5 writes a rotation only when it copies the stream, not while encoding it.
        var encoded = Path.Combine(Path.GetTempPath(), $"blossom-sample-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(encoded, video);
        try
        {
            return await FfmpegAsync(".mp4", "-i", encoded, "-map", "0", "-c", "copy", "-metadata:s:v:0", $"rotate={rotation}");
        }
        finally
        {
            File.Delete(encoded);
        }
    }

    /// <summary>
    /// An H.264 MP4 of 320x240 that is black for its first half second, then ffmpeg's colour test
    /// pattern for <paramref name="seconds"/>, as clips that fade in from black start.
    /// </summary>
    public static async Task<byte[]> VideoWithBlackStartAsync(double seconds = 2.5)
    {
        var seed = Interlocked.Increment(ref _seed);
        return await FfmpegAsync(".mp4",
            "-f", "lavfi", "-i", "color=black:size=320x240:rate=25:duration=0.5",
            "-f", "lavfi", "-i", $"testsrc=size=320x240:rate=25:duration={seconds}",
            "-filter_complex", "[0][1]concat=n=2:v=1:a=0[v]", "-map", "[v]",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-metadata", $"comment={seed}");
    }

    /// <summary>
    /// A Matroska video of <paramref name="seconds"/> whose header claims one second: the segment's
    /// Duration and the tracks' DURATION tags, the two places ffprobe takes a length from, are patched.
    /// </summary>
    public static async Task<byte[]> VideoClaimingOneSecondAsync(double seconds)
    {
        var video = await FfmpegAsync(".mkv",
            "-f", "lavfi", "-i", $"testsrc2=size=160x120:rate=10:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast");
        // Segment Info > Duration: element id 0x4489, size 8, a big-endian double of milliseconds.
        var at = video.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x44, 0x89, 0x88]);
        at.Should().BePositive("ffmpeg writes the segment's duration");
        BinaryPrimitives.WriteDoubleBigEndian(video.AsSpan(at + 3), 1000);
        // Latin-1 maps every byte to one char and back, so only the tags' text changes.
        var text = System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.Latin1.GetString(video), @"\d\d:\d\d:\d\d\.\d{9}", "00:00:01.000000000");
        return System.Text.Encoding.Latin1.GetBytes(text);
    }

    public static async Task<byte[]> AudioWavAsync(double seconds)
    {
        var frequency = 200 + Interlocked.Increment(ref _seed) % 2000;
        return await FfmpegAsync(".wav", "-f", "lavfi", "-i", $"sine=frequency={frequency}:duration={seconds}");
    }

    public static byte[] Junk(int length = 50_000) => System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);

    /// <summary>A gradient that differs per call, so every sample has its own hash.</summary>
    private static VipsImage Pattern(int width, int height, int shift = 0)
    {
        var seed = Interlocked.Increment(ref _seed);
        using var xy = VipsImage.Xyz(width, height);
        using var x = xy[0];
        using var y = xy[1];
        using var r = (x * (255.0 / width) + shift).Cast(Enums.BandFormat.Uchar);
        using var g = (y * (255.0 / height)).Cast(Enums.BandFormat.Uchar);
        using var b = (x + y + seed % 97).Cast(Enums.BandFormat.Uchar);
        return r.Bandjoin(g, b).Copy(interpretation: Enums.Interpretation.Srgb);
    }

    private static async Task<byte[]> FfmpegAsync(string extension, params string[] input)
    {
        var path = Path.Combine(Path.GetTempPath(), $"blossom-sample-{Guid.NewGuid():N}{extension}");
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. input, path])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, await errors);
        try
        {
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// An EXIF block by hand (TIFF, little-endian): IFD0 with Orientation = 6 and a pointer to a GPS
    /// IFD holding latitude 48°51'24" N and longitude 2°21'3" E.
    /// </summary>
    private static byte[] PhoneExif()
    {
        var tiff = new byte[140];
        var span = tiff.AsSpan();
        "II"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], 42);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 8);
        // IFD0 at 8: two entries, then the next-IFD offset (none).
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], 2);
        Entry(span[10..], 0x0112, 3, 1, 6);   // Orientation: rotate 90° CW
        Entry(span[22..], 0x8825, 4, 1, 38);  // GPS IFD pointer
        BinaryPrimitives.WriteUInt32LittleEndian(span[34..], 0);
        // GPS IFD at 38: four entries; rationals follow at 92 and 116.
        BinaryPrimitives.WriteUInt16LittleEndian(span[38..], 4);
        Entry(span[40..], 0x0001, 2, 2, 'N');
        Entry(span[52..], 0x0002, 5, 3, 92);
        Entry(span[64..], 0x0003, 2, 2, 'E');
        Entry(span[76..], 0x0004, 5, 3, 116);
        BinaryPrimitives.WriteUInt32LittleEndian(span[88..], 0);
        Rationals(span[92..], 48, 51, 24);
        Rationals(span[116..], 2, 21, 3);
        return [.. "Exif\0\0"u8, .. tiff];

        static void Entry(Span<byte> at, ushort tag, ushort type, uint count, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(at, tag);
            BinaryPrimitives.WriteUInt16LittleEndian(at[2..], type);
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], count);
            BinaryPrimitives.WriteUInt32LittleEndian(at[8..], value);
        }

        static void Rationals(Span<byte> at, uint degrees, uint minutes, uint seconds)
        {
            uint[] values = [degrees, 1, minutes, 1, seconds, 1];
            for (var i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteUInt32LittleEndian(at[(i * 4)..], values[i]);
        }
    }

    /// <summary>Puts a comment extension holding <paramref name="text"/> (under 256 bytes) after the GIF's screen descriptor and colour table.</summary>
    private static byte[] WithGifComment(byte[] gif, byte[] text)
    {
        var flags = gif[10];
        var at = 13 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0);
        return [.. gif.AsSpan(0, at), 0x21, 0xFE, (byte)text.Length, .. text, 0x00, .. gif.AsSpan(at)];
    }

    /// <summary>Puts a segment (APP1 for EXIF, COM for a comment) holding <paramref name="payload"/> right after the JPEG's SOI marker.</summary>
    private static byte[] WithSegment(byte[] jpeg, byte marker, byte[] payload)
    {
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }
}
