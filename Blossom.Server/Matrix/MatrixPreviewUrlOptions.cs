using System.ComponentModel.DataAnnotations;

namespace Blossom.Server;

/// <summary><c>Blossom:Matrix:PreviewUrl</c>: how web pages are fetched for URL previews, always through the private-address guard.</summary>
public sealed class MatrixPreviewUrlOptions
{
    /// <summary>Whether <c>preview_url</c> is served. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most HTML read of a page. Default 1 MiB: OpenGraph tags are in the head.</summary>
    [Range(1, 64L * 1024 * 1024)]
    public long MaxBytes { get; set; } = 1024 * 1024;

    /// <summary>The longest a page (and its image) may take to fetch. Default 10 s.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>How long a preview is answered from the cache. Default 3600 s.</summary>
    [Range(0, 7 * 86400)]
    public int CacheSeconds { get; set; } = 3600;

    /// <summary>
    /// The memory the preview cache may hold, each preview charged its estimated size; a preview that
    /// does not fit is answered but not kept. Default 32 MiB: thousands of ordinary previews.
    /// </summary>
    [Range(1024, 64L * 1024 * 1024 * 1024)]
    public long CacheBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Previews fetched and parsed at once (cached ones and requests joining one under way take no slot);
    /// one more is answered 429 <c>M_LIMIT_EXCEEDED</c>. Default 8.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrent { get; set; } = 8;
}
