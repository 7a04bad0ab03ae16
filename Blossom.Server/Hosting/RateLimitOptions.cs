using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary><c>Blossom:RateLimit</c>: requests per minute, answered 429 with <c>Retry-After</c> beyond. 0 turns a limit off.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Blossom:RateLimit";

    /// <summary>
    /// Requests from one IP address per minute to writes, lists, mirror, media (task polls too) and
    /// admin; not blob reads, reports, <c>/info</c> or health checks, which have budgets of their own
    /// or none. Default 600.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PerIpPerMinute { get; set; } = 600;

    /// <summary>Requests carrying one pubkey's tokens per minute, chunks of chunked uploads excepted. Default 120.</summary>
    [Range(0, 1_000_000)]
    public int PerPubkeyPerMinute { get; set; } = 120;

    /// <summary>
    /// Blob GET/HEAD (BUD-01) from one IP address per minute. Default 0 (off): reads are cheap, and
    /// behind a proxy that does not pass client addresses every reader shares one address.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ReadsPerIpPerMinute { get; set; }

    /// <summary>Reports (BUD-09, no token needed) from one IP address per minute. Default 10.</summary>
    [Range(0, 1_000_000)]
    public int ReportsPerIpPerMinute { get; set; } = 10;

    /// <summary>
    /// Chunks of chunked uploads (BUD-14 <c>PATCH</c>) from one IP address per minute, counted here
    /// instead of <c>PerIpPerMinute</c> and not against <c>PerPubkeyPerMinute</c>. Default 3000: a
    /// 1 GiB upload in 8 MiB chunks is 128 requests, and 3000 leaves room for small chunks and retries.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ChunksPerIpPerMinute { get; set; } = 3000;
}

/// <summary>Checks <see cref="RateLimitOptions"/> at start-up against its attributes, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>;
