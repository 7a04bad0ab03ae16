using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blossom.Core.Federation;

/// <summary>
/// The one byte form of a JSON value that Matrix signatures cover (appendix "Canonical JSON"): two servers
/// must produce identical bytes from the same value, whatever whitespace, key order or escapes it arrived with.
/// </summary>
public static class CanonicalJson
{
    /// <summary>The largest integer every JSON library (IEEE doubles included) reads back exactly: 2^53 - 1.</summary>
    public const long MaxSafeInteger = 9_007_199_254_740_991;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Canonical JSON bytes (UTF-8) of a value: object keys sorted by Unicode code point, no insignificant whitespace,
    /// strings with only the escapes the spec requires (<c>"</c>, <c>\</c>, control characters as in the appendix),
    /// integers only in [-(2^53)+1, 2^53-1] (written without exponent, <c>-0</c> as <c>0</c>).
    /// </summary>
    /// <exception cref="FormatException">A number that is not an integer, or is outside that range; a string that is not valid Unicode.</exception>
    public static byte[] Encode(JsonNode? value)
    {
        var output = new ArrayBufferWriter<byte>();
        Write(output, value, skipSignatureFields: false);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The bytes a signature over <paramref name="json"/> covers: its canonical form without the top-level
    /// <c>signatures</c> and <c>unsigned</c> members (appendix "Signing Details"), computed without copying the object.
    /// </summary>
    internal static byte[] EncodeForSigning(JsonObject json)
    {
        var output = new ArrayBufferWriter<byte>();
        Write(output, json, skipSignatureFields: true);
        return output.WrittenSpan.ToArray();
    }

    private static void Write(ArrayBufferWriter<byte> output, JsonNode? node, bool skipSignatureFields)
    {
        switch (node)
        {
            case null:
                WriteAscii(output, "null");
                break;
            case JsonObject obj:
                WriteObject(output, obj, skipSignatureFields);
                break;
            case JsonArray array:
                output.Write("["u8);
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        output.Write(","u8);
                    }

                    Write(output, array[i], skipSignatureFields: false);
                }

                output.Write("]"u8);
                break;
            case JsonValue value:
                WriteValue(output, value);
                break;
        }
    }

    private static void WriteObject(ArrayBufferWriter<byte> output, JsonObject obj, bool skipSignatureFields)
    {
        // UTF-8 byte order is code point order; string.CompareOrdinal compares UTF-16 units and would put
        // characters beyond U+FFFF before U+E000..U+FFFF.
        var members = new List<(byte[] Key, JsonNode? Value)>(obj.Count);
        foreach (var (key, value) in obj)
        {
            if (skipSignatureFields && (key == "signatures" || key == "unsigned"))
            {
                continue;
            }

            members.Add((ToUtf8(key), value));
        }

        members.Sort(static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        output.Write("{"u8);
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                output.Write(","u8);
            }

            WriteString(output, members[i].Key);
            output.Write(":"u8);
            Write(output, members[i].Value, skipSignatureFields: false);
        }

        output.Write("}"u8);
    }

    private static void WriteValue(ArrayBufferWriter<byte> output, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
                WriteAscii(output, "true");
                break;
            case JsonValueKind.False:
                WriteAscii(output, "false");
                break;
            case JsonValueKind.Null:
                WriteAscii(output, "null");
                break;
            case JsonValueKind.String:
                WriteString(output, ToUtf8(StringOf(value)));
                break;
            case JsonValueKind.Number:
                WriteAscii(output, IntegerOf(value).ToString(CultureInfo.InvariantCulture));
                break;
            default:
                throw new FormatException($"Canonical JSON cannot encode a {value.GetValueKind()} value.");
        }
    }

    private static string StringOf(JsonValue value)
    {
        if (value.TryGetValue<string>(out var text))
        {
            return text;
        }

        // A CLR value serialized as a string (a Guid, a DateTimeOffset...): its JSON text is the string to encode.
        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.GetString()!;
    }

    /// <summary>
    /// The integer a JSON number stands for. Written forms of an integer such as <c>1e10</c> or <c>-0</c> count
    /// (the appendix's own example turns them into <c>10000000000</c> and <c>0</c>); a fraction never does.
    /// </summary>
    private static long IntegerOf(JsonValue value)
    {
        var text = value.ToJsonString();
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            throw new FormatException($"Canonical JSON allows only integers in [-(2^53)+1, 2^53-1]; {text} is out of that range.");
        }

        if (decimal.Truncate(number) != number)
        {
            throw new FormatException($"Canonical JSON allows no floats; {text} is not an integer.");
        }

        if (number > MaxSafeInteger || number < -MaxSafeInteger)
        {
            throw new FormatException($"Canonical JSON allows only integers in [-(2^53)+1, 2^53-1]; {text} is out of that range.");
        }

        return (long)number;
    }

    private static byte[] ToUtf8(string text)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new FormatException("Canonical JSON cannot encode a string holding a lone UTF-16 surrogate.", e);
        }
    }

    /// <summary>A string with the escapes of the appendix's grammar and no others: everything else is written as its own UTF-8 bytes.</summary>
    private static void WriteString(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> utf8)
    {
        output.Write("\""u8);
        var start = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            ReadOnlySpan<byte> escape = b switch
            {
                (byte)'"' => "\\\""u8,
                (byte)'\\' => "\\\\"u8,
                (byte)'\b' => "\\b"u8,
                (byte)'\f' => "\\f"u8,
                (byte)'\n' => "\\n"u8,
                (byte)'\r' => "\\r"u8,
                (byte)'\t' => "\\t"u8,
                < 0x20 => [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', HexDigit(b >> 4), HexDigit(b & 0xF)],
                _ => default,
            };
            if (escape.IsEmpty)
            {
                continue;
            }

            output.Write(utf8[start..i]);
            output.Write(escape);
            start = i + 1;
        }

        output.Write(utf8[start..]);
        output.Write("\""u8);
    }

    private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);

    private static void WriteAscii(ArrayBufferWriter<byte> output, string text) => output.Write(Encoding.ASCII.GetBytes(text));
}
