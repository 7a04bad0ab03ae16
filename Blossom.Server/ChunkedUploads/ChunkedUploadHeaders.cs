using System.Globalization;
using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>The headers of chunked uploads (BUD-14), which chunks send and reads of a blob under way answer.</summary>
internal static class ChunkedUploadHeaders
{
    public const string UploadType = "Upload-Type";
    public const string UploadLength = "Upload-Length";
    public const string UploadOffset = "Upload-Offset";

    /// <summary>The byte ranges the server holds of a chunked upload, as <c>start-end</c> with inclusive ends like HTTP byte ranges, comma-separated.</summary>
    public const string UploadRanges = "Upload-Ranges";

    /// <summary>When the chunked upload is discarded unless another chunk arrives (an HTTP date).</summary>
    public const string UploadExpires = "Upload-Expires";

    /// <summary>
    /// For <c>HEAD</c>/<c>GET /&lt;sha256&gt;</c> of a blob not stored: when the caller's chunked upload
    /// of it is under way (the one of the pubkey of the request's <c>upload</c> token, or without a token
    /// the anonymous one), the answer (still 404: the blob is not available) tells what the server holds,
    /// so a client can resume without local state: <c>Upload-Offset</c> (bytes held from 0 without
    /// a gap), <c>Upload-Length</c>, <c>Upload-Type</c>, <c>Upload-Ranges</c> and <c>Upload-Expires</c>.
    /// </summary>
    public static async Task DescribeAsync(HttpContext context, string sha256, ChunkedUploads uploads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(uploads);
        // The retrieval routes authenticate upload tokens only (see RetrievalEndpoints). Without one, the
        // anonymous upload is the caller's.
        if (await uploads.StatusAsync(sha256, context.GetAuthorizationEvent()?.Pubkey, cancellationToken) is not { } status)
            return;
        var headers = context.Response.Headers;
        headers[UploadOffset] = status.ContiguousBytes.ToString(CultureInfo.InvariantCulture);
        headers[UploadLength] = status.Length.ToString(CultureInfo.InvariantCulture);
        headers[UploadType] = status.Type;
        headers[UploadRanges] = string.Join(", ", status.Held.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Start}-{r.End - 1}")));
        headers[UploadExpires] = status.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
    }
}
