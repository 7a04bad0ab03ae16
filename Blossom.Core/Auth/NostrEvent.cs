using System.Text.Json.Serialization;

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
}

[JsonSerializable(typeof(NostrEvent))]
[JsonSourceGenerationOptions(
    // Unknown members are allowed (clients add fields); missing required ones fail the parse.
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
internal sealed partial class NostrJsonContext : JsonSerializerContext;
