using System.Text.Json.Nodes;

namespace Blossom.Core.Federation;

/// <summary>
/// Checks a server key document (keys.yaml) before any of its keys is trusted: it names the server asked
/// about, and each of its current keys signed it, so whoever holds them vouches for the whole list.
/// </summary>
public static class ServerKeysDocument
{
    private const int PublicKeySize = 32;

    /// <summary>
    /// Checks a key document as the spec says: server_name == expected, every key in verify_keys has self-signed
    /// the document, valid_until_ts present; returns null with a reason otherwise. old_verify_keys are included with
    /// their expired_ts. Keys of algorithms other than ed25519 are left out, as the appendix's signature check
    /// drops what it does not understand; a document with no ed25519 key left is refused.
    /// </summary>
    public static ServerKeys? Check(JsonObject document, string expectedServerName, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrEmpty(expectedServerName);

        if (!TryGetString(document["server_name"], out var serverName))
        {
            problem = "The key document has no server_name.";
            return null;
        }

        if (!string.Equals(serverName, expectedServerName, StringComparison.Ordinal))
        {
            problem = $"The key document is for '{serverName}', not '{expectedServerName}'.";
            return null;
        }

        if (!TryGetLong(document["valid_until_ts"], out var validUntilMs) || !TryFromUnixMs(validUntilMs, out var validUntil))
        {
            problem = "The key document has no integer valid_until_ts.";
            return null;
        }

        if (document["verify_keys"] is not JsonObject verifyKeys)
        {
            problem = "The key document has no verify_keys object.";
            return null;
        }

        var keys = new Dictionary<string, ServerVerifyKey>(StringComparer.Ordinal);
        foreach (var (keyId, entry) in verifyKeys)
        {
            if (!IsEd25519(keyId))
            {
                continue;
            }

            if (!TryGetPublicKey(entry, out var publicKey))
            {
                problem = $"The verify key '{keyId}' is not an object with a base64 32-byte key.";
                return null;
            }

            if (!SignedJson.Verify(document, serverName, keyId, publicKey))
            {
                problem = $"The key document is not signed by its verify key '{keyId}'.";
                return null;
            }

            keys[keyId] = new ServerVerifyKey(publicKey, ExpiredAt: null);
        }

        if (keys.Count == 0)
        {
            problem = "The key document has no ed25519 verify key.";
            return null;
        }

        if (document["old_verify_keys"] is JsonObject oldVerifyKeys)
        {
            foreach (var (keyId, entry) in oldVerifyKeys)
            {
                if (!IsEd25519(keyId) || keys.ContainsKey(keyId))
                {
                    continue;
                }

                if (!TryGetPublicKey(entry, out var publicKey)
                    || !TryGetLong(entry!["expired_ts"], out var expiredMs)
                    || !TryFromUnixMs(expiredMs, out var expiredAt))
                {
                    problem = $"The old verify key '{keyId}' is not an object with a base64 32-byte key and an expired_ts.";
                    return null;
                }

                keys[keyId] = new ServerVerifyKey(publicKey, expiredAt);
            }
        }
        else if (document["old_verify_keys"] is not null)
        {
            problem = "The key document's old_verify_keys is not an object.";
            return null;
        }

        problem = null;
        return new ServerKeys(serverName, keys, validUntil);
    }

    /// <summary>
    /// A document returned by a notary (POST/GET /_matrix/key/v2/query): checked as <see cref="Check"/> does AND
    /// signed by the notary with one of notaryKeys (keyId -> public key), since the notary may have served it from
    /// its cache and vouches for it with its own signature.
    /// </summary>
    public static ServerKeys? CheckFromNotary(JsonObject document, string expectedServerName, string notaryName, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> notaryKeys, out string? problem)
    {
        ArgumentException.ThrowIfNullOrEmpty(notaryName);
        ArgumentNullException.ThrowIfNull(notaryKeys);

        var keys = Check(document, expectedServerName, out problem);
        if (keys is null)
        {
            return null;
        }

        foreach (var (keyId, publicKey) in notaryKeys)
        {
            if (SignedJson.Verify(document, notaryName, keyId, publicKey.Span))
            {
                return keys;
            }
        }

        problem = $"The key document is not signed by the notary '{notaryName}' with any of its known keys.";
        return null;
    }

    private static bool IsEd25519(string keyId) => keyId.StartsWith(MatrixSigningKey.Algorithm + ":", StringComparison.Ordinal);

    private static bool TryGetPublicKey(JsonNode? entry, out byte[] publicKey)
    {
        publicKey = [];
        return entry is JsonObject obj
            && TryGetString(obj["key"], out var encoded)
            && UnpaddedBase64.TryDecode(encoded, out publicKey)
            && publicKey.Length == PublicKeySize;
    }

    private static bool TryGetString(JsonNode? node, out string text)
    {
        text = "";
        return node is JsonValue value && value.TryGetValue(out text!);
    }

    private static bool TryGetLong(JsonNode? node, out long number)
    {
        number = 0;
        return node is JsonValue value && value.TryGetValue(out number);
    }

    private static bool TryFromUnixMs(long milliseconds, out DateTimeOffset at)
    {
        at = default;
        if (milliseconds < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        at = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return true;
    }
}
