using System.Collections.Frozen;
using System.Text.Json.Serialization;
using Blossom.Core.Blobs;
using Blossom.Core.Media;
using Microsoft.AspNetCore.StaticFiles;

namespace Blossom.Server;

/// <summary>
/// The BUD-02 blob descriptor, with its NIP-94 tags (BUD-08) and, for a blob the storage rules are to
/// remove, <c>sunset</c>: the time of BUD-01's <c>Sunset</c> header in unix seconds, as <c>uploaded</c>
/// gives its time, so a client reads both the same way.
/// </summary>
public sealed record BlobDescriptor(
    string Url,
    string Sha256,
    long Size,
    string Type,
    long Uploaded,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<IReadOnlyList<string>>? Nip94 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Sunset = null)
{
    public static BlobDescriptor From(BlobRecord blob, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var url = UrlOf(blob, baseUrl);
        return new(url, blob.Sha256, blob.Size, blob.Type, blob.Uploaded, Nip94Tags(blob, url));
    }

    /// <summary>The same descriptor with NIP-94 tags naming its previews after the tags it has.</summary>
    public BlobDescriptor WithPreviews(BlobPreviews previews, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(previews);
        List<IReadOnlyList<string>> tags = [.. Nip94 ?? []];
        if (previews.Thumb is { } thumb)
            tags.Add(["thumb", UrlOf(thumb, baseUrl)]);
        if (previews.Poster is { } poster)
            tags.Add(["image", UrlOf(poster, baseUrl)]);
        return this with { Nip94 = tags };
    }

    private static string UrlOf(BlobRecord blob, string baseUrl) => $"{baseUrl}/{blob.Sha256}{FileExtensions.For(blob.Type)}";

    /// <summary>Equal when every field is, the NIP-94 tags compared value by value.</summary>
    public bool Equals(BlobDescriptor? other) =>
        other is not null && Url == other.Url && Sha256 == other.Sha256 && Size == other.Size && Type == other.Type && Uploaded == other.Uploaded
        && Sunset == other.Sunset
        && (ReferenceEquals(Nip94, other.Nip94)
            || (Nip94 is not null && other.Nip94 is not null && Nip94.Count == other.Nip94.Count
                && Nip94.Zip(other.Nip94).All(pair => pair.First.SequenceEqual(pair.Second))));

    public override int GetHashCode() => HashCode.Combine(Url, Sha256, Size, Type, Uploaded);

    /// <summary>NIP-94's url, m, x, ox, size, and dim and blurhash when known; ox is x unless the blob was made from another.</summary>
    private static List<IReadOnlyList<string>> Nip94Tags(BlobRecord blob, string url)
    {
        List<IReadOnlyList<string>> tags =
        [
            ["url", url],
            ["m", blob.Type],
            ["x", blob.Sha256],
            ["ox", blob.OriginalSha256 ?? blob.Sha256],
            ["size", blob.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        ];
        if (blob is { Width: { } width, Height: { } height })
            tags.Add(["dim", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{width}x{height}")]);
        if (blob.Blurhash is { } blurhash)
            tags.Add(["blurhash", blurhash]);
        return tags;
    }
}

/// <summary>
/// The previews a descriptor names, when they exist: <paramref name="Thumb"/>, the default preview
/// (NIP-94 <c>thumb</c>), and <paramref name="Poster"/>, a video's poster frame (NIP-94 <c>image</c>).
/// Both are blobs, so their tags are blob URLs that any server holding them serves.
/// </summary>
public sealed record BlobPreviews(BlobRecord? Thumb, BlobRecord? Poster);

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
        [MediaTypes.OctetStream] = ".bin", [HlsPackage.PlaylistType] = ".m3u8", [HlsPackage.SegmentType] = ".ts",
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
