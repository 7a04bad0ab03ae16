using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

public enum MediaMode
{
    /// <summary><c>PUT /media</c> answers 202 and a task at once (seed BUD-05).</summary>
    Async,
    /// <summary><c>PUT /media</c> waits for the result and answers its descriptor (BUD-05 as deployed clients speak it).</summary>
    Sync,
}

/// <summary><c>Blossom:Media</c>: the optimizer behind <c>PUT /media</c> (BUD-05).</summary>
public sealed class MediaOptions
{
    public const string Section = "Blossom:Media";

    /// <summary>Whether <c>/media</c> exists. Needs ffmpeg and libvips; checked at start-up.</summary>
    public bool Enabled { get; set; } = true;

    public MediaMode Mode { get; set; } = MediaMode.Async;

    /// <summary>Largest original accepted. Default 512 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxSizeBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Jobs optimized at once. Default half the cores, at least one: ffmpeg and libvips use several
    /// threads each. 0 makes a web-only node that takes no jobs (needs <c>Database:Provider=Postgres</c>,
    /// whose queue the other nodes work).
    /// </summary>
    [Range(0, 256)]
    public int Workers { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Jobs waiting for a worker; beyond it <c>PUT /media</c> answers 503. Default 64.</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 64;

    /// <summary>Unfinished tasks one pubkey may have; beyond it <c>PUT /media</c> answers 429. Default 4.</summary>
    [Range(1, 10_000)]
    public int MaxRunningTasksPerPubkey { get; set; } = 4;

    /// <summary>How long ended tasks stay readable at <c>GET /media/&lt;id&gt;</c>. Their blobs stay. Default 1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan TaskRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>This node's folder for outputs in progress (originals live under <c>Storage:Path</c>). Default <c>data/media</c>.</summary>
    [Required]
    public string WorkPath { get; set; } = "data/media";

    /// <summary>
    /// How long <c>PUT /media</c> in the default mode holds the request for its task to end, so
    /// images and clips are answered complete, with the descriptor today's synchronous clients
    /// read. 0 answers the running task at once. Default 50 s: a short 1080p clip transcodes in
    /// more than 5 s on two cores, and 50 s stays under the 60 s read timeout common proxies
    /// (nginx) keep by default. At most 1800 (30 min).
    /// </summary>
    [Range(0, 1800)]
    public int InlineWaitSeconds { get; set; } = 50;

    /// <summary>
    /// With <c>Database:Provider=Postgres</c>: how long a node holds a job without renewing its claim
    /// (it renews every third of it while the job runs). A node that dies leaves its job to another
    /// node after at most this long. Default 30 s.
    /// </summary>
    [Range(3, 3600)]
    public int LeaseSeconds { get; set; } = 30;
}

/// <summary>Checks <see cref="MediaOptions"/> at start-up against its attributes, generated at build time.</summary>
[OptionsValidator]
internal sealed partial class MediaOptionsValidator : IValidateOptions<MediaOptions>;
