using System.Globalization;
using System.Text;
using Blossom.Core.Blobs;

namespace Blossom.Core.Media;

/// <summary>
/// An HLS ladder made into blobs as Blossom's HLS formatting document asks: each segment and each
/// playlist a blob of its own, every reference in a playlist the relative <c>&lt;sha256&gt;.ts</c> or
/// <c>&lt;sha256&gt;.m3u8</c> of the blob it names, so the set plays from any server that holds the
/// blobs. <see cref="PrepareAsync"/> receives (hashes) every file, the slow part; <see cref="CommitAsync"/>
/// stores them, segments first and the master last, so no stored playlist names a missing blob.
/// </summary>
public sealed class HlsPackage : IAsyncDisposable
{
    public const string PlaylistType = "application/vnd.apple.mpegurl";
    public const string SegmentType = "video/mp2t";

    private readonly List<(IPendingBlob Pending, ReceivedBlob Received, string Type)> _files = [];

    private HlsPackage()
    {
    }

    /// <summary>The master playlist, which names the whole set.</summary>
    public ReceivedBlob Master => _files[^1].Received;

    /// <summary>Receives the ladder's segments and its rewritten variant and master playlists into <paramref name="store"/>'s temporary place.</summary>
    public static async Task<HlsPackage> PrepareAsync(IBlobStore store, HlsLadder ladder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ladder);
        var package = new HlsPackage();
        try
        {
            var master = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n");
            foreach (var rendition in ladder.Renditions)
            {
                var (playlist, peak, average) = await package.RewriteAsync(store, ladder.Folder, rendition, cancellationToken);
                var variant = await package.ReceiveAsync(store, playlist, PlaylistType, cancellationToken);
                // BANDWIDTH is the peak segment bit rate (RFC 8216, 4.3.4.2), measured rather than guessed: the encoder aims at a quality, not a rate.
                master.Append(CultureInfo.InvariantCulture,
                    $"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},RESOLUTION={rendition.Width}x{rendition.Height}\n{variant.Sha256}.m3u8\n");
            }
            await package.ReceiveAsync(store, master.ToString(), PlaylistType, cancellationToken);
            return package;
        }
        catch
        {
            await package.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stores every file as a blob owned by <paramref name="owners"/>, derived from <paramref name="originalSha256"/>; returns the master's record.</summary>
    public async Task<BlobRecord> CommitAsync(BlobService blobs, IReadOnlyCollection<string> owners, string originalSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        // Derived, with no metadata to read: nothing probes each segment while the set is stored.
        var derived = new DerivedBlob(originalSha256, DerivedBlobKind.StreamPart, null);
        BlobRecord? last = null;
        foreach (var (pending, received, type) in _files)
            (last, _) = await blobs.CommitAsync(pending, received, type, owners, cancellationToken, derived);
        return last!;
    }

    /// <summary>
    /// The hashes of the set a stored master playlist names (itself, its variants, their segments);
    /// null when a playlist of it is no longer stored.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> BlobsOfAsync(IBlobStore store, string masterSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        List<string> hashes = [masterSha256];
        if (await ReadAsync(store, masterSha256, cancellationToken) is not { } master)
            return null;
        foreach (var variantSha256 in References(master))
        {
            if (await ReadAsync(store, variantSha256, cancellationToken) is not { } variant)
                return null;
            hashes.Add(variantSha256);
            hashes.AddRange(References(variant));
        }
        return hashes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (pending, _, _) in _files)
            await pending.DisposeAsync();
        _files.Clear();
    }

    /// <summary>
    /// A media playlist with each segment received and named by its hash, and the rendition's peak
    /// and average bit rate.
    /// </summary>
    private async Task<(string Playlist, long Peak, long Average)> RewriteAsync(IBlobStore store, string folder, HlsRendition rendition, CancellationToken cancellationToken)
    {
        var rewritten = new StringBuilder();
        var (peak, bits, seconds, duration) = (0.0, 0.0, 0.0, 0.0);
        foreach (var line in await File.ReadAllLinesAsync(rendition.Playlist, cancellationToken))
        {
            if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
                duration = double.Parse(line["#EXTINF:".Length..].Split(',')[0], NumberStyles.Float, CultureInfo.InvariantCulture);
            if (line.Length == 0 || line.StartsWith('#'))
            {
                rewritten.Append(line).Append('\n');
                continue;
            }
            // ffmpeg names segments relative to their playlist, beside it; nothing outside the folder is read.
            var segment = await ReceiveFileAsync(store, Path.Combine(folder, Path.GetFileName(line)), cancellationToken);
            rewritten.Append(segment.Sha256).Append(".ts\n");
            var segmentBits = segment.Size * 8.0;
            (bits, seconds) = (bits + segmentBits, seconds + duration);
            if (duration > 0)
                peak = Math.Max(peak, segmentBits / duration);
        }
        return (rewritten.ToString(), (long)Math.Ceiling(peak), seconds > 0 ? (long)Math.Ceiling(bits / seconds) : (long)Math.Ceiling(peak));
    }

    private async Task<ReceivedBlob> ReceiveFileAsync(IBlobStore store, string path, CancellationToken cancellationToken)
    {
        var file = File.OpenRead(path);
        await using (file)
            return await ReceiveAsync(store, file, SegmentType, cancellationToken);
    }

    private Task<ReceivedBlob> ReceiveAsync(IBlobStore store, string playlist, string type, CancellationToken cancellationToken) =>
        ReceiveAsync(store, new MemoryStream(Encoding.UTF8.GetBytes(playlist)), type, cancellationToken);

    private async Task<ReceivedBlob> ReceiveAsync(IBlobStore store, Stream content, string type, CancellationToken cancellationToken)
    {
        var pending = await store.BeginWriteAsync(expectedSha256: null, cancellationToken);
        try
        {
            var received = await pending.ReceiveAsync(content, long.MaxValue, cancellationToken);
            _files.Add((pending, received, type));
            return received;
        }
        catch
        {
            await pending.DisposeAsync();
            throw;
        }
    }

    /// <summary>The hashes a playlist's URI lines name: <c>&lt;sha256&gt;.&lt;ext&gt;</c>, as written here.</summary>
    private static IEnumerable<string> References(string playlist) =>
        playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('.')[0]).Where(BlobHash.IsValid);

    private static async Task<string?> ReadAsync(IBlobStore store, string sha256, CancellationToken cancellationToken)
    {
        var content = await store.OpenReadAsync(sha256, 0, null, cancellationToken);
        if (content is null)
            return null;
        await using (content)
        {
            using var reader = new StreamReader(content.Stream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken);
        }
    }
}
