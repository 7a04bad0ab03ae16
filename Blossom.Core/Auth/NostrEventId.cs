using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Blossom.Core.Auth;

/// <summary>
/// Computes an event id: SHA-256 of the NIP-01 serialization
/// <c>[0,pubkey,created_at,kind,tags,content]</c> in UTF-8, escaped the way JSON.stringify
/// does (the form every signer uses), so ids from JS clients recompute byte for byte.
/// </summary>
public static class NostrEventId
{
    public static byte[] Compute(NostrEvent nostrEvent)
    {
        ArgumentNullException.ThrowIfNull(nostrEvent);
        var buffer = new ArrayBufferWriter<byte>(256 + nostrEvent.Content.Length);
        Write(buffer, "[0,");
        WriteString(buffer, nostrEvent.Pubkey);
        Write(buffer, ",");
        Write(buffer, nostrEvent.CreatedAt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write(buffer, ",");
        Write(buffer, nostrEvent.Kind.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write(buffer, ",[");
        for (var i = 0; i < nostrEvent.Tags.Count; i++)
        {
            if (i > 0) Write(buffer, ",");
            Write(buffer, "[");
            var tag = nostrEvent.Tags[i];
            for (var j = 0; j < tag.Count; j++)
            {
                if (j > 0) Write(buffer, ",");
                WriteString(buffer, tag[j]);
            }
            Write(buffer, "]");
        }
        Write(buffer, "],");
        WriteString(buffer, nostrEvent.Content);
        Write(buffer, "]");
        return SHA256.HashData(buffer.WrittenSpan);
    }

    private static void Write(ArrayBufferWriter<byte> buffer, string ascii) =>
        buffer.Advance(Encoding.UTF8.GetBytes(ascii, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(ascii.Length))));

    private static void WriteString(ArrayBufferWriter<byte> buffer, string value)
    {
        var escaped = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => escaped.Append("\\\""),
                '\\' => escaped.Append("\\\\"),
                '\n' => escaped.Append("\\n"),
                '\r' => escaped.Append("\\r"),
                '\t' => escaped.Append("\\t"),
                '\b' => escaped.Append("\\b"),
                '\f' => escaped.Append("\\f"),
                < ' ' => escaped.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => escaped.Append(c),
            };
        }
        Write(buffer, escaped.Append('"').ToString());
    }
}
