using System.Collections.Frozen;
using System.Text.Json.Serialization;
using Blossom.Core.Blobs;
using Microsoft.AspNetCore.StaticFiles;

namespace Blossom.Server.Http;

/// <summary>The BUD-02 blob descriptor.</summary>
public sealed record BlobDescriptor(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("uploaded")] long Uploaded)
{
    public static BlobDescriptor From(BlobRecord blob, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return new($"{baseUrl}/{blob.Sha256}{FileExtensions.For(blob.Type)}", blob.Sha256, blob.Size, blob.Type, blob.Uploaded);
    }
}

/// <summary>The extension a descriptor URL carries for a MIME type (BUD-02 requires one).</summary>
internal static class FileExtensions
{
    // Where the framework's table lists several extensions for a type, these are the ones people expect.
    private static readonly Dictionary<string, string> Preferred = new(StringComparer.Ordinal)
    {
        ["image/jpeg"] = ".jpg", ["image/png"] = ".png", ["image/gif"] = ".gif", ["image/webp"] = ".webp",
        ["image/svg+xml"] = ".svg", ["image/avif"] = ".avif", ["image/heic"] = ".heic", ["video/mp4"] = ".mp4",
        ["video/webm"] = ".webm", ["video/quicktime"] = ".mov", ["audio/mpeg"] = ".mp3", ["audio/mp4"] = ".m4a",
        ["audio/ogg"] = ".ogg", ["audio/wav"] = ".wav", ["text/plain"] = ".txt", ["text/html"] = ".html",
        ["application/json"] = ".json", ["application/pdf"] = ".pdf", ["application/zip"] = ".zip",
        [MediaTypes.OctetStream] = ".bin",
    };

    private static readonly FrozenDictionary<string, string> ByType = BuildTable();

    public static string For(string mediaType) => ByType.GetValueOrDefault(mediaType, ".bin");

    private static FrozenDictionary<string, string> BuildTable()
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        // Longest first, so the shortest extension of a type is the one left standing.
        foreach (var (extension, type) in new FileExtensionContentTypeProvider().Mappings.OrderByDescending(m => m.Key.Length).ThenByDescending(m => m.Key, StringComparer.Ordinal))
            table[type.ToLowerInvariant()] = extension.ToLowerInvariant();
        foreach (var (type, extension) in Preferred)
            table[type] = extension;
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
