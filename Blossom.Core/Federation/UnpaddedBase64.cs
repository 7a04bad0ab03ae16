namespace Blossom.Core.Federation;

/// <summary>
/// The base64 every Matrix key, signature and hash travels in: the standard alphabet without <c>=</c> padding.
/// </summary>
/// <remarks>
/// The appendix asks decoders to accept padding "wherever possible"; servers in the wild also send the
/// URL-safe alphabet now and then, so decoding takes both and any padding, while encoding emits only the canonical form.
/// </remarks>
public static class UnpaddedBase64
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>
    /// Decodes standard or URL-safe base64, padded or not. False for any other character, for padding in the
    /// middle, or for a length no byte sequence encodes to (one character past a whole group).
    /// </summary>
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text is null)
        {
            return false;
        }

        var unpadded = text.AsSpan().TrimEnd('=');
        if (text.Length - unpadded.Length > 2 || unpadded.Length % 4 == 1)
        {
            return false;
        }

        var standard = new char[(unpadded.Length + 3) / 4 * 4];
        for (var i = 0; i < unpadded.Length; i++)
        {
            var c = unpadded[i];
            standard[i] = c switch
            {
                '-' => '+',
                '_' => '/',
                >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' => c,
                _ => '\0',
            };
            if (standard[i] == '\0')
            {
                return false;
            }
        }

        standard.AsSpan(unpadded.Length).Fill('=');
        var decoded = new byte[standard.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(standard, decoded, out var written))
        {
            return false;
        }

        bytes = decoded[..written];
        return true;
    }
}
