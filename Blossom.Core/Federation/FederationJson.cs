using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blossom.Core.Federation;

/// <summary>Reads the small JSON answers of other servers (keys, errors) without trusting their size.</summary>
public static class FederationJson
{
    /// <summary>The most of a key document or error read: real ones are a few KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The answer's body as a JSON object; null when it is larger than <see cref="MaxBytes"/>, not JSON or not an object.</summary>
    public static async Task<JsonObject?> ReadObjectAsync(HttpContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Headers.ContentLength > MaxBytes)
            return null;
        var body = await content.ReadAsStreamAsync(cancellationToken);
        await using (body)
        {
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
                length += read;
            if (length > MaxBytes)
                return null;
            try
            {
                return JsonNode.Parse(buffer.AsSpan(0, length)) as JsonObject;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The <c>errcode</c> of a Matrix error answer; null when the body is no Matrix error.</summary>
    public static async Task<string?> ReadErrcodeAsync(HttpContent content, CancellationToken cancellationToken) =>
        (await ReadObjectAsync(content, cancellationToken))?["errcode"] is JsonValue value && value.TryGetValue<string>(out var errcode) ? errcode : null;
}
