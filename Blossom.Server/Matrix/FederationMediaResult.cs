using System.Security.Cryptography;
using System.Text;
using Blossom.Core.Blobs;

namespace Blossom.Server;

/// <summary>
/// The answer of the federation media routes: <c>multipart/mixed</c> with exactly two parts, the
/// media's metadata (an empty JSON object today) and then either its bytes, with their type and
/// disposition, or a <c>Location</c> where they can be had (the bucket, when blob GETs redirect
/// there). Written by hand: the framework's <c>MultipartContent</c> refuses a <c>Location</c> header
/// on a part, and the bytes are streamed from the store as they are read.
/// </summary>
internal sealed class FederationMediaResult : IResult
{
    private readonly BlobService? _blobs;
    private readonly string? _sha256;
    private readonly string? _type;
    private readonly string? _disposition;
    private readonly Uri? _location;

    private FederationMediaResult(BlobService? blobs, string? sha256, string? type, string? disposition, Uri? location)
    {
        _blobs = blobs;
        _sha256 = sha256;
        _type = type;
        _disposition = disposition;
        _location = location;
    }

    /// <summary>The blob's bytes as the second part.</summary>
    public static FederationMediaResult Bytes(BlobService blobs, string sha256, string type, string disposition) => new(blobs, sha256, type, disposition, null);

    /// <summary>A <c>Location</c> as the second part.</summary>
    public static FederationMediaResult Redirect(Uri location) => new(null, null, null, null, location);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var cancellationToken = httpContext.RequestAborted;
        BlobContent? content = null;
        if (_sha256 is not null && (content = await _blobs!.OpenReadAsync(_sha256, 0, null, cancellationToken)) is null)
        {
            await MatrixError.NotFound("Media not found").ExecuteAsync(httpContext);
            return;
        }
        await using (content)
        {
            var boundary = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = $"multipart/mixed; boundary={boundary}";
            var head = new StringBuilder()
                .Append("--").Append(boundary).Append("\r\nContent-Type: application/json\r\n\r\n{}\r\n")
                .Append("--").Append(boundary).Append("\r\n");
            if (_location is not null)
                head.Append("Location: ").Append(_location.AbsoluteUri).Append("\r\n\r\n");
            else
                head.Append("Content-Type: ").Append(_type).Append("\r\nContent-Disposition: ").Append(_disposition).Append("\r\n\r\n");
            var tail = $"\r\n--{boundary}--\r\n";
            if (content is not null)
                response.ContentLength = Encoding.ASCII.GetByteCount(head.ToString()) + content.Length + tail.Length;
            await response.Body.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
            if (content is not null)
                await content.Stream.CopyToAsync(response.Body, cancellationToken);
            await response.Body.WriteAsync(Encoding.ASCII.GetBytes(tail), cancellationToken);
        }
    }
}
