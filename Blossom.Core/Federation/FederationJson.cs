using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blossom.Core.Federation;

/// <summary>Reads the small answers of other servers (keys, errors, well-known, metadata) without trusting their size.</summary>
public static class FederationJson
{
    /// <summary>The most of a key document or error read: real ones are a few KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The answer's body as a JSON object; null when it is larger than <see cref="MaxBytes"/>, not JSON or not an object.</summary>
    public static async Task<JsonObject?> ReadObjectAsync(HttpContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Headers.ContentLength > MaxBytes
            || await ReadBoundedAsync(await content.ReadAsStreamAsync(cancellationToken), MaxBytes, cancellationToken) is not { } body)
            return null;
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The whole stream (disposed after), or null when it holds more than <paramref name="maxBytes"/>: what another server sends is read only so far.</summary>
    public static async Task<byte[]?> ReadBoundedAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await using (stream)
        {
            var buffer = new byte[maxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
                length += read;
            return length > maxBytes ? null : buffer[..length];
        }
    }

    /// <summary>The <c>errcode</c> of a Matrix error answer; null when the body is no Matrix error.</summary>
    public static async Task<string?> ReadErrcodeAsync(HttpContent content, CancellationToken cancellationToken) =>
        (await ReadObjectAsync(content, cancellationToken))?["errcode"] is JsonValue value && value.TryGetValue<string>(out var errcode) ? errcode : null;
}
