using System.Text.Json;
using System.Text.Json.Serialization;
using Blossom.Core.Blobs;

namespace Blossom.Core.Auth;

/// <summary>A Nostr event as NIP-01 defines it on the wire.</summary>
public sealed record NostrEvent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("pubkey")] string Pubkey,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("kind")] int Kind,
    [property: JsonPropertyName("tags")] IReadOnlyList<IReadOnlyList<string>> Tags,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("sig")] string Sig)
{
    /// <summary>The second element of every tag whose name is <paramref name="name"/>.</summary>
    public IEnumerable<string> TagValues(string name) =>
        Tags.Where(t => t.Count >= 2 && t[0] == name).Select(t => t[1]);

    /// <summary>The event in <paramref name="json"/>, or null when it is not a well-formed Nostr event.</summary>
    public static NostrEvent? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(json, NostrJsonContext.Default.NostrEvent);
            return parsed is null || parsed.Tags.Any(t => t is null || t.Any(v => v is null)) ? null : parsed;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether id, pubkey and sig are lowercase hex of the right lengths.</summary>
    public bool HasWellFormedKeys => IsLowerHex(Id, 64) && IsLowerHex(Pubkey, 64) && IsLowerHex(Sig, 128);

    /// <summary>
    /// Recomputes the NIP-01 id and verifies the BIP-340 signature over it; null when both hold,
    /// else what failed. Call after the cheaper checks: the signature costs the most.
    /// </summary>
    public string? CheckIdAndSignature()
    {
        if (!HasWellFormedKeys)
            return "id, pubkey or sig is not lowercase hex";
        var id = NostrEventId.Compute(this);
        if (!Convert.ToHexStringLower(id).Equals(Id, StringComparison.Ordinal))
            return "id does not match its content";
        return SchnorrSignature.Verify(Convert.FromHexString(Pubkey), id, Convert.FromHexString(Sig)) ? null : "signature is invalid";
    }

    private static bool IsLowerHex(string value, int length) => value.Length == length && BlobHash.IsLowerHex(value);
}

[JsonSerializable(typeof(NostrEvent))]
[JsonSourceGenerationOptions(
    // Unknown members are allowed (clients add fields); missing required ones fail the parse.
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
internal sealed partial class NostrJsonContext : JsonSerializerContext;
