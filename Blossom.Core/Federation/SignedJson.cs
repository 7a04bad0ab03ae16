using System.Text.Json.Nodes;

namespace Blossom.Core.Federation;

/// <summary>
/// Signatures carried inside a JSON object (appendix "Signing JSON"): under <c>signatures</c>, by entity
/// then key id, over the canonical JSON of the object without <c>signatures</c> and <c>unsigned</c>, so that
/// others can add signatures and unsigned data without breaking the ones already there.
/// </summary>
public static class SignedJson
{
    /// <summary>
    /// Adds this entity's signature under json["signatures"][signingName][key.KeyId], keeping other signatures;
    /// signs the canonical JSON without "signatures" and "unsigned".
    /// </summary>
    /// <exception cref="FormatException">The object holds a value canonical JSON refuses, or a <c>signatures</c> member that is not an object of objects.</exception>
    public static void Sign(JsonObject json, string signingName, MatrixSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrEmpty(signingName);
        ArgumentNullException.ThrowIfNull(key);

        var signature = key.Sign(CanonicalJson.EncodeForSigning(json));
        var signatures = ObjectMember(json, "signatures");
        ObjectMember(signatures, signingName)[key.KeyId] = signature;
    }

    /// <summary>
    /// Whether json["signatures"][signingName][keyId] is a valid signature by publicKey over the canonical JSON
    /// without "signatures" and "unsigned". False, never an exception, for a missing or malformed signature and for
    /// an object canonical JSON cannot encode: such an object was not validly signed.
    /// </summary>
    public static bool Verify(JsonObject json, string signingName, string keyId, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json["signatures"] is not JsonObject signatures
            || signatures[signingName] is not JsonObject entity
            || entity[keyId] is not JsonValue value
            || !value.TryGetValue<string>(out var signature))
        {
            return false;
        }

        byte[] signed;
        try
        {
            signed = CanonicalJson.EncodeForSigning(json);
        }
        catch (FormatException)
        {
            return false;
        }

        return MatrixSigningKey.Verify(publicKey, signed, signature);
    }

    private static JsonObject ObjectMember(JsonObject parent, string name)
    {
        switch (parent[name])
        {
            case JsonObject existing:
                return existing;
            case null when !parent.ContainsKey(name):
                var created = new JsonObject();
                parent[name] = created;
                return created;
            default:
                throw new FormatException($"The member '{name}' of a signed object must be an object.");
        }
    }
}
