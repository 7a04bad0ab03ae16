using System.ComponentModel.DataAnnotations;

namespace Blossom.Server;

/// <summary>Settings of the section <c>Blossom</c> itself.</summary>
public sealed class BlossomOptions
{
    public const string Section = "Blossom";

    /// <summary>Base URL put into blob descriptors, e.g. <c>https://cdn.example.com</c>. Empty: taken from each request.</summary>
    public string? PublicUrl { get; set; }
}

/// <summary><c>Blossom:Storage</c>: where blob bytes live.</summary>
public sealed class StorageOptions
{
    public const string Section = "Blossom:Storage";

    /// <summary><c>FileSystem</c> (default): blobs under <see cref="Path"/>. <c>S3</c>: blobs in the bucket of <see cref="S3"/>.</summary>
    [RegularExpression("^(FileSystem|S3)$", ErrorMessage = "Storage:Kind must be FileSystem or S3.")]
    public string Kind { get; set; } = "FileSystem";

    /// <summary>
    /// Folder of the blobs, relative to the working directory unless absolute. Default <c>data/blobs</c>.
    /// With <c>S3</c>, only uploads being received and copies made for the media tools live here: one folder per node.
    /// </summary>
    [Required]
    public string Path { get; set; } = "data/blobs";

    /// <summary><c>Blossom:Storage:S3</c>, used when <see cref="Kind"/> is <c>S3</c>.</summary>
    public S3StorageOptions S3 { get; set; } = new();

    /// <summary>
    /// Empty (default): the server sends blob bytes itself. Set, e.g. <c>/_blobs</c>, with the file-system store:
    /// a GET of a stored blob is answered with its headers and <c>X-Accel-Redirect: &lt;prefix&gt;/ab/cd/&lt;sha256&gt;</c>
    /// and no body, for an nginx in front whose <c>internal</c> location of that prefix serves <see cref="Path"/>
    /// with sendfile, which Kestrel cannot.
    /// </summary>
    public string AccelRedirectPrefix { get; set; } = "";
}

/// <summary>How blob GETs on S3 are answered.</summary>
public enum S3RedirectMode
{
    /// <summary>The server streams the bytes from the bucket, with Range, ETag and 304 as on the file system.</summary>
    None,
    /// <summary>307 to <c>&lt;PublicUrl&gt;/&lt;Prefix&gt;&lt;sha256&gt;</c>, a bucket or CDN that serves objects to anyone.</summary>
    PublicUrl,
    /// <summary>307 to a presigned URL of the object, for a private bucket that clients can reach.</summary>
    Presigned,
}

/// <summary><c>Blossom:Storage:S3</c>: the S3-compatible bucket (AWS, MinIO, Garage, Ceph, R2...).</summary>
public sealed class S3StorageOptions
{
    /// <summary>The S3 API's URL, e.g. <c>https://s3.eu-west-1.amazonaws.com</c> or <c>http://minio:9000</c>. Required.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The bucket; it must exist. Required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>The region requests are signed for. Default <c>us-east-1</c>, which S3-compatible servers accept.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Both empty (default): the AWS SDK's own credential chain (environment, instance role).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Address buckets as <c>endpoint/bucket</c>. Default true: what most S3-compatible servers need, and AWS accepts.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Put before every object key, e.g. <c>blossom/</c>, to share a bucket. Default empty.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Base URL where the bucket's objects are public, e.g. a CDN. Empty (default): none.</summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>Default (unset): <c>PublicUrl</c> when <see cref="PublicUrl"/> is set, otherwise <c>None</c>.</summary>
    public S3RedirectMode? Redirect { get; set; }

    /// <summary>How long a presigned redirect stays valid. Default 1 hour; at most 7 days, as S3 allows.</summary>
    public int PresignedUrlSeconds { get; set; } = 3600;

    /// <summary>Blobs larger than this go up as a multipart upload in parts of this size. Default 16 MiB; at least 5 MiB, as S3 demands.</summary>
    public long PartSizeBytes { get; set; } = Blossom.Core.Storage.S3.S3StoreSettings.DefaultPartSizeBytes;

    /// <summary>The redirect mode in force, <see cref="Redirect"/>'s default applied.</summary>
    public S3RedirectMode RedirectMode => Redirect ?? (PublicUrl.Length > 0 ? S3RedirectMode.PublicUrl : S3RedirectMode.None);
}

/// <summary><c>Blossom:Database</c>: the metadata index.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Blossom:Database";

    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";

    /// <summary>The default SQLite file, which a <c>Postgres</c> provider must not be left pointing at.</summary>
    public const string DefaultConnectionString = "Data Source=data/blossom.db";

    /// <summary>
    /// <c>Sqlite</c> (default: one file, nothing to run) or <c>Postgres</c>, which several server
    /// nodes can share.
    /// </summary>
    [RegularExpression("^(Sqlite|Postgres)$", ErrorMessage = "Database:Provider must be Sqlite or Postgres.")]
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// Default <c>Data Source=data/blossom.db</c>. With <c>Postgres</c>, an Npgsql connection
    /// string such as <c>Host=db;Username=blossom;Password=…;Database=blossom</c>.
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = DefaultConnectionString;
}

/// <summary><c>Blossom:Upload</c>: who may upload what (BUD-02, BUD-06).</summary>
public sealed class UploadOptions
{
    public const string Section = "Blossom:Upload";

    /// <summary>Whether <c>PUT /upload</c> needs a <c>t=upload</c> token. Default true: anonymous uploads are unowned and can never be deleted.</summary>
    public bool RequireAuth { get; set; } = true;

    /// <summary>Largest accepted blob. Default 100 MiB.</summary>
    [Range(0, long.MaxValue)]
    public long MaxSizeBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>MIME types accepted, with wildcards (<c>image/*</c>). Empty: any type.</summary>
    public List<string> AllowedTypes { get; set; } = [];

    /// <summary>Hex pubkeys allowed to upload. Empty: anyone with a valid token.</summary>
    public List<string> AllowedPubkeys { get; set; } = [];

    /// <summary>Bytes one pubkey's blobs may take in all (uploads, mirrors, media results). 0: no quota.</summary>
    [Range(0, long.MaxValue)]
    public long QuotaBytesPerPubkey { get; set; }

    /// <summary>
    /// Seconds a multi-part upload (BUD-14) may go without a chunk before it and its bytes are discarded.
    /// Default 60, as the draft recommends; a restart does not reset the clock.
    /// </summary>
    [Range(1, 86400)]
    public int PartialTimeoutSeconds { get; set; } = 60;
}

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

    /// <summary>Requests carrying one pubkey's tokens per minute, chunks of multi-part uploads excepted. Default 120.</summary>
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
    /// Chunks of multi-part uploads (BUD-14 <c>PATCH</c>) from one IP address per minute, counted here
    /// instead of <c>PerIpPerMinute</c> and not against <c>PerPubkeyPerMinute</c>. Default 3000: a
    /// 1 GiB upload in 8 MiB chunks is 128 requests, and 3000 leaves room for small chunks and retries.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ChunksPerIpPerMinute { get; set; } = 3000;
}

/// <summary><c>Blossom:Mirror</c> (BUD-04).</summary>
public sealed class MirrorOptions
{
    public const string Section = "Blossom:Mirror";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether origins on loopback, private, link-local, CGNAT and other non-public addresses may be
    /// fetched. Default false: the server must not be a way into the network it runs in.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Host names that may be fetched even on private addresses, e.g. an internal CDN; each redirect hop is checked again.</summary>
    public List<string> AllowedPrivateHosts { get; set; } = [];

    /// <summary>The longest a whole download may take. Default 60 s.</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 60;
}

/// <summary><c>Blossom:Admin</c>: the operator API.</summary>
public sealed class AdminOptions
{
    public const string Section = "Blossom:Admin";

    /// <summary>Hex pubkeys allowed to use <c>/admin</c>. Empty: the admin API answers 403 to everyone.</summary>
    public List<string> Pubkeys { get; set; } = [];
}

/// <summary><c>Blossom:List</c> (BUD-12).</summary>
public sealed class ListOptions
{
    public const string Section = "Blossom:List";

    /// <summary>Whether <c>GET /list</c> needs a <c>t=list</c> token. Default false, as most clients expect.</summary>
    public bool RequireAuth { get; set; }

    /// <summary>Largest page, and the page size when a client gives no <c>limit</c>. Default 1000.</summary>
    [Range(1, 10_000)]
    public int MaxLimit { get; set; } = 1000;
}

/// <summary><c>Blossom:Auth</c> (BUD-11).</summary>
public sealed class AuthOptions
{
    public const string Section = "Blossom:Auth";

    /// <summary>
    /// How far in the future a token's <c>created_at</c> may be, for clients with fast clocks, and
    /// how long before the owner's latest upload a delete token may have been signed, for slow
    /// ones. Default 60 s.
    /// </summary>
    [Range(0, 3600)]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>
    /// Host names this server answers to besides <c>PublicUrl</c>'s and its listen addresses', e.g.
    /// <c>blossom.example.com</c>; tokens with BUD-11 <c>server</c> tags must name one of these. With
    /// no name at all, such tokens are refused: the request's <c>Host</c> is the client's to choose.
    /// </summary>
    public List<string> ServerNames { get; set; } = [];

    /// <summary>How far ahead a token's <c>expiration</c> may be. Default 30 days: generous for clients that sign long-lived tokens, yet a leaked token does not last for years.</summary>
    [Range(1, int.MaxValue)]
    public int MaxTokenLifetimeSeconds { get; set; } = 30 * 24 * 3600;
}

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

/// <summary><c>Blossom:Media:Image</c>: what images become.</summary>
public sealed class MediaImageOptions
{
    public const string Section = "Blossom:Media:Image";

    [Range(16, 16384)]
    public int MaxWidth { get; set; } = 1920;

    [Range(16, 16384)]
    public int MaxHeight { get; set; } = 1080;

    /// <summary><c>webp</c> (default) or <c>jpeg</c>. Animations are always WebP.</summary>
    [RegularExpression("^(webp|jpeg)$", ErrorMessage = "Media:Image:Format must be webp or jpeg.")]
    public string Format { get; set; } = "webp";

    [Range(1, 100)]
    public int Quality { get; set; } = 80;

    /// <summary>Larger images (all frames counted) are refused before decoding. Default 100 megapixels.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = 100_000_000;

    /// <summary>
    /// Images whose decoding would cost more bytes are refused before decoding: bands x bytes per
    /// sample x pixels x frames, in full for progressive JPEG (its coefficients) and interlaced
    /// PNG/GIF, which are held whole; baseline JPEG and WebP count at the size they shrink to on
    /// load. Default 512 MiB: any 8-bit RGB picture up to <see cref="MaxPixels"/>, 16-bit RGBA up to 67 MP.
    /// </summary>
    [Range(1_000_000, long.MaxValue)]
    public long MaxDecodeBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Animations with more frames are refused before decoding. Default 1000: 100 seconds at
    /// 10 frames per second, beyond what people send as animated pictures; encoding each frame
    /// costs CPU time (4097 frames took 48 s).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxFrames { get; set; } = 1000;
}

/// <summary><c>Blossom:Media:Video</c>: what video and audio become.</summary>
public sealed class MediaVideoOptions
{
    public const string Section = "Blossom:Media:Video";

    /// <summary>
    /// The "p" of the result: video whose short side (the height of landscape video, the width of
    /// portrait video) is longer is scaled down to it, so a 1080x1920 phone clip stays as it is under
    /// 1080. The name predates portrait video and is kept. Default 1080.
    /// </summary>
    [Range(144, 4320)]
    public int MaxHeight { get; set; } = 1080;

    [Range(1, 240)]
    public int MaxFps { get; set; } = 30;

    /// <summary>libx264 quality, 0 (lossless) to 51. Default 23, x264's own default.</summary>
    [Range(0, 51)]
    public int Crf { get; set; } = 23;

    /// <summary>libx264 preset. Default <c>fast</c>: near <c>medium</c>'s size at a fraction of its time on small servers.</summary>
    [RegularExpression("^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$", ErrorMessage = "Media:Video:Preset must be a libx264 preset such as fast.")]
    public string Preset { get; set; } = "fast";

    /// <summary>Longer media is refused. Default 30 minutes.</summary>
    [Range(1, 86_400)]
    public int MaxDurationSeconds { get; set; } = 1800;

    /// <summary>Wider or taller input is refused. Default 8192.</summary>
    [Range(16, 16384)]
    public int MaxInputDimension { get; set; } = 8192;

    [Range(32, 512)]
    public int AudioBitrateKbps { get; set; } = 128;

    /// <summary>
    /// Wall-clock time one transcode may take before ffmpeg is ended and the task canceled. Default
    /// 2 hours: four times the longest accepted media, so a small server still finishes it.
    /// </summary>
    [Range(1, 604_800)]
    public int MaxTranscodeSeconds { get; set; } = 7200;

    /// <summary>
    /// Whether optimized video also gets an HLS ladder (MPEG-TS segments, variant and master
    /// playlists, each a blob of the uploader's, named by relative hash paths). Default false: it
    /// costs an encode per rendition and fills the uploader's list with segments.
    /// </summary>
    public bool Hls { get; set; }

    /// <summary>
    /// The ladder's short sides (the height of landscape video, the width of portrait, as for
    /// <see cref="MaxHeight"/>). Those at or above the MP4's short side become one rendition of the
    /// MP4's size: never above the source. Empty means 1080, 720, 480.
    /// </summary>
    public int[] HlsHeights { get; set; } = [];

    /// <summary>HLS segment length. Default 6 s, Apple's recommendation: short enough to switch renditions often, long enough to stay efficient.</summary>
    [Range(1, 60)]
    public int HlsSegmentSeconds { get; set; } = 6;

    /// <summary>The ladder when <see cref="HlsHeights"/> is empty.</summary>
    public static readonly IReadOnlyList<int> DefaultHlsHeights = [1080, 720, 480];
}

/// <summary><c>Blossom:Proxy</c>: running behind a reverse proxy.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Blossom:Proxy";

    /// <summary>
    /// Take the scheme, host and client address from <c>X-Forwarded-Proto/Host/For</c>, so descriptor
    /// URLs and per-IP limits are right behind a proxy. Only from <see cref="KnownProxies"/>: anyone
    /// else could forge them. <c>PublicUrl</c>, when set, still wins for URLs.
    /// </summary>
    public bool TrustForwardedHeaders { get; set; }

    /// <summary>Addresses or networks (CIDR) of the proxies trusted for forwarded headers. Empty: loopback only.</summary>
    public List<string> KnownProxies { get; set; } = [];
}

/// <summary><c>Blossom:Logs</c>.</summary>
public sealed class LogsOptions
{
    public const string Section = "Blossom:Logs";

    /// <summary><c>Simple</c> (default, for people) or <c>Json</c> (one JSON object per line, with the request id, for collectors).</summary>
    [RegularExpression("^(Simple|Json)$", ErrorMessage = "Logs:Format must be Simple or Json.")]
    public string Format { get; set; } = "Simple";
}

/// <summary><c>Blossom:Node</c>: this server process among several on one database and bucket.</summary>
public sealed class NodeOptions
{
    public const string Section = "Blossom:Node";

    /// <summary>
    /// Names this node in <c>/metrics</c> and in the leases of the media jobs it runs. Empty
    /// (default): the host name, which a container or machine per node makes unique.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._:-]{0,64}$", ErrorMessage = "Node:Name may hold letters, digits and . _ : - (at most 64).")]
    public string Name { get; set; } = "";

    public string NameOrHost => Name.Length > 0 ? Name : Environment.MachineName;
}

/// <summary><c>Blossom:Metrics</c>: who may read <c>/metrics</c>. Both rules apply when both are set.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Blossom:Metrics";

    /// <summary>
    /// Client addresses or CIDR networks served. Empty (default): loopback and private networks
    /// (10/8, 172.16/12, 192.168/16, fc00::/7), where a scraper on the same host or in the same
    /// container network sits; the internet is refused. <c>0.0.0.0/0</c> and <c>::/0</c> serve everyone.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>When set, a scrape must also send <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string BearerToken { get; set; } = "";
}

/// <summary><c>Blossom:Previews</c>: preview images of image and video blobs (BUD-14 draft), made once and stored as blobs.</summary>
public sealed class PreviewOptions
{
    public const string Section = "Blossom:Previews";

    /// <summary>Whether previews are offered. Needs libvips, and ffmpeg for video; checked at start-up. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The boxes previews are made in, as <c>WIDTHxHEIGHT</c>; every request is snapped to the smallest
    /// that holds it (else the largest), so nobody can make the server render a million variants.
    /// Empty: 32x32, 96x96, 320x240, 640x480, 800x600 and 1280x720, what large Matrix media repositories offer.
    /// </summary>
    public List<string> Sizes { get; set; } = [];

    /// <summary>
    /// false (default): a preview is made on its first request. true: the default preview is made
    /// in the background after each image or video upload, mirror and media result.
    /// </summary>
    public bool Eager { get; set; }

    /// <summary>WebP and JPEG encoder quality. Default 80.</summary>
    [Range(1, 100)]
    public int Quality { get; set; } = 80;

    /// <summary>Previews made at once, apart from the media workers. Default half the cores, at least one.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// How long one preview may take to make, and a request may wait for a free slot; then it is
    /// refused (422, or 503 when every slot stayed busy). Default 30 s.
    /// </summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Larger blobs get no preview. Default 512 MiB, as <c>Media:MaxSizeBytes</c>.</summary>
    [Range(1, long.MaxValue)]
    public long MaxSourceBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Images with more pixels (an animated preview counts all frames) and videos with larger frames
    /// get no preview; read from the header, before decoding. Default 100 megapixels.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxSourcePixels { get; set; } = 100_000_000;

    /// <summary>
    /// Animations with more pixels in all their frames get no animated preview (their still one is
    /// made as usual); read from the header, before decoding. Default 25 megapixels: every frame is
    /// encoded again, which took 9 s for 25 MP and 42 s for 100 MP (a 999-frame GIF) on two busy cores,
    /// against the 30 s of <see cref="TimeoutSeconds"/>.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxAnimatedPixels { get; set; } = 25_000_000;

    /// <summary>
    /// Longer videos get no preview. Default 3 hours: the frame is found by a seek, so a long video costs
    /// little more than a short one; the limit is on what is decoded at all.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxVideoSeconds { get; set; } = 3 * 3600;
}

/// <summary>
/// <c>Blossom:Matrix</c>: the Matrix content repository (media API, MSC2246 async uploads) on the same
/// blob store, for a homeserver whose reverse proxy sends its media routes here. Off by default.
/// </summary>
public sealed class MatrixOptions
{
    public const string Section = "Blossom:Matrix";

    /// <summary>Whether the <c>/_matrix/media</c> and <c>/_matrix/client/v1/media</c> routes are served. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The homeserver's server name, the authority of <c>mxc://</c> URIs, e.g. <c>example.org</c>. Required when enabled.</summary>
    public string ServerName { get; set; } = "";

    /// <summary>Where access tokens are checked (<c>GET /_matrix/client/v3/account/whoami</c>), e.g. <c>https://matrix.example.org</c>. Required when enabled.</summary>
    public string HomeserverUrl { get; set; } = "";

    /// <summary>Largest Matrix upload, also shown as <c>m.upload.size</c>. 0 (default): <c>Upload:MaxSizeBytes</c>.</summary>
    [Range(0, long.MaxValue)]
    public long MaxUploadBytes { get; set; }

    /// <summary>How long a created media id (<c>POST /_matrix/media/v1/create</c>) waits for its upload. Default 86400 s, MSC2246's 24 hours.</summary>
    [Range(1, 30 * 86400)]
    public int UnusedExpirySeconds { get; set; } = 86400;

    /// <summary>Created ids one user may have waiting for their upload; one more is answered 429 <c>M_LIMIT_EXCEEDED</c>. Default 10.</summary>
    [Range(1, 100_000)]
    public int MaxPendingUploadsPerUser { get; set; } = 10;

    /// <summary>The cap on a download's or thumbnail's <c>timeout_ms</c> (its default too, as the spec's 20 s). Default 20000.</summary>
    [Range(0, 300_000)]
    public int MaxDownloadWaitMs { get; set; } = 20_000;

    /// <summary>How long a checked access token is trusted without asking the homeserver again. Default 60 s.</summary>
    [Range(0, 3600)]
    public int TokenCacheSeconds { get; set; } = 60;

    /// <summary>How long a token the homeserver refused (or a guest's) is answered 401 <c>M_UNKNOWN_TOKEN</c> without asking again. Default 10 s; 0: asked every time.</summary>
    [Range(0, 3600)]
    public int UnknownTokenCacheSeconds { get; set; } = 10;

    /// <summary>Token checks the homeserver refuses that one client address may cause a minute; beyond, 429 <c>M_LIMIT_EXCEEDED</c> until the minute ends. Default 20; 0: no limit.</summary>
    [Range(0, 1_000_000)]
    public int FailedTokenChecksPerIpPerMinute { get; set; } = 20;

    /// <summary>Token checks sent to the homeserver at once. Default 8.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentTokenChecks { get; set; } = 8;

    /// <summary>Token checks that may wait (up to 10 s) for one of <see cref="MaxConcurrentTokenChecks"/>; beyond, 429 <c>M_LIMIT_EXCEEDED</c>. Default 100.</summary>
    [Range(0, 100_000)]
    public int TokenCheckQueueLimit { get; set; } = 100;

    /// <summary>Thumbnail boxes as <c>WIDTHxHEIGHT</c>. Empty (default): <c>Previews:Sizes</c>.</summary>
    public List<string> ThumbnailSizes { get; set; } = [];

    /// <summary><c>GET preview_url</c>: OpenGraph previews of web pages.</summary>
    public MatrixPreviewUrlOptions PreviewUrl { get; set; } = new();
}

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
