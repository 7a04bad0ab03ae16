using System.Text;
using System.Text.Json.Nodes;

namespace Blossom.Core.Federation;

/// <summary>
/// The X-Matrix Authorization header of a federation request (server-server API "Request Authentication"):
/// the origin server's signature over the request's method, target, both server names and JSON body.
/// </summary>
public sealed record XMatrixAuthorization(string Origin, string? Destination, string KeyId, string Signature)
{
    /// <summary>The authorization scheme, matched case-insensitively as RFC 7235 says.</summary>
    public const string Scheme = "X-Matrix";

    /// <summary>
    /// Parses the header value (with or without the leading "X-Matrix " scheme), per the spec's grammar:
    /// comma-separated name=value params, names case-insensitive and in any order, values quoted (with backslash
    /// escapes) or tokens (colons allowed, as older servers send them, and the '/' and '=' of base64, as Synapse takes
    /// them), unknown params ignored; origin, key and sig
    /// required. Null when malformed, or when a known param appears twice (which one was signed would be a guess).
    /// </summary>
    public static XMatrixAuthorization? Parse(string? header)
    {
        if (header is null)
        {
            return null;
        }

        var text = header.AsSpan().Trim(" \t");
        if (text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            && (text.Length == Scheme.Length || text[Scheme.Length] is ' ' or '\t'))
        {
            text = text[Scheme.Length..];
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var position = 0;
        while (true)
        {
            position = SkipSeparators(text, position);
            if (position == text.Length)
            {
                break;
            }

            var nameStart = position;
            while (position < text.Length && IsTokenChar(text[position]))
            {
                position++;
            }

            var name = text[nameStart..position].ToString();
            position = SkipWhitespace(text, position);
            if (name.Length == 0 || position == text.Length || text[position] != '=')
            {
                return null;
            }

            position = SkipWhitespace(text, position + 1);
            var value = ReadValue(text, ref position);
            if (value is null)
            {
                return null;
            }

            position = SkipWhitespace(text, position);
            if (position < text.Length && text[position] != ',')
            {
                return null;
            }

            if (IsKnown(name) && !values.TryAdd(name, value))
            {
                return null;
            }
        }

        if (!values.TryGetValue("origin", out var origin) || origin.Length == 0
            || !values.TryGetValue("key", out var keyId) || keyId.Length == 0
            || !values.TryGetValue("sig", out var signature) || signature.Length == 0)
        {
            return null;
        }

        return new XMatrixAuthorization(origin, values.GetValueOrDefault("destination"), keyId, signature);
    }

    /// <summary>
    /// The full header value <c>X-Matrix origin="..",destination="..",key="..",sig=".."</c> for a request: signs
    /// {method, uri, origin, destination, content?} (uri = path and query exactly as sent, starting with <c>/_matrix</c>).
    /// </summary>
    public static string Create(string method, string requestUri, string origin, string destination, JsonNode? content, MatrixSigningKey key)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(requestUri);
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(key);

        var request = RequestJson(method, requestUri, origin, destination, content);
        SignedJson.Sign(request, origin, key);
        var signature = request["signatures"]![origin]![key.KeyId]!.GetValue<string>();
        return $"{Scheme} origin={Quote(origin)},destination={Quote(destination)},key={Quote(key.KeyId)},sig={Quote(signature)}";
    }

    /// <summary>
    /// Whether Signature is valid for that request by publicKey (destination: the receiving server's own name; if
    /// the header carries a destination it must equal it). False for a key algorithm other than ed25519 and for a
    /// body canonical JSON refuses; never an exception for what the sender controls.
    /// </summary>
    public bool Verify(string method, string requestUri, string destination, JsonNode? content, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        ArgumentException.ThrowIfNullOrEmpty(destination);

        if ((Destination is not null && !string.Equals(Destination, destination, StringComparison.Ordinal))
            || !KeyId.StartsWith(MatrixSigningKey.Algorithm + ":", StringComparison.Ordinal))
        {
            return false;
        }

        byte[] signed;
        try
        {
            signed = CanonicalJson.Encode(RequestJson(method, requestUri, Origin, destination, content));
        }
        catch (FormatException)
        {
            return false;
        }

        return MatrixSigningKey.Verify(publicKey, signed, Signature);
    }

    private static JsonObject RequestJson(string method, string requestUri, string origin, string destination, JsonNode? content)
    {
        var request = new JsonObject
        {
            ["method"] = method,
            ["uri"] = requestUri,
            ["origin"] = origin,
            ["destination"] = destination,
        };
        if (content is not null)
        {
            // A node belongs to one parent: the caller's body stays where it is.
            request["content"] = content.DeepClone();
        }

        return request;
    }

    /// <summary>A quoted-string value; the spec asks senders to avoid backslashes, and server names, key ids and base64 never hold one or a quote.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    private static string? ReadValue(ReadOnlySpan<char> text, ref int position)
    {
        if (position < text.Length && text[position] == '"')
        {
            var value = new StringBuilder();
            position++;
            while (position < text.Length)
            {
                var c = text[position++];
                if (c == '"')
                {
                    return value.ToString();
                }

                if (c == '\\')
                {
                    if (position == text.Length)
                    {
                        return null;
                    }

                    c = text[position++];
                }

                value.Append(c);
            }

            return null;
        }

        var start = position;
        while (position < text.Length && (IsTokenChar(text[position]) || text[position] is ':' or '/' or '='))
        {
            position++;
        }

        return position > start ? text[start..position].ToString() : null;
    }

    private static bool IsKnown(string name) =>
        name.Equals("origin", StringComparison.OrdinalIgnoreCase)
        || name.Equals("destination", StringComparison.OrdinalIgnoreCase)
        || name.Equals("key", StringComparison.OrdinalIgnoreCase)
        || name.Equals("sig", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 7230 tchar.</summary>
    private static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    private static int SkipWhitespace(ReadOnlySpan<char> text, int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t')
        {
            position++;
        }

        return position;
    }

    /// <summary>Whitespace and the empty list elements RFC 7230's #rule lets a recipient skip.</summary>
    private static int SkipSeparators(ReadOnlySpan<char> text, int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t' or ',')
        {
            position++;
        }

        return position;
    }
}
