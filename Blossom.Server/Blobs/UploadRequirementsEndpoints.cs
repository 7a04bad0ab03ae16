// BUD-06: HEAD /upload, the upload preflight.
using System.Globalization;
using Blossom.Core.Blobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class UploadRequirementsEndpoints
{
    private const string ContentLengthHeader = "X-Content-Length";
    private const string ContentTypeHeader = "X-Content-Type";

    public static RouteGroupBuilder MapUploadRequirementsEndpoints(this IEndpointRouteBuilder app, UploadOptions options)
    {
        var group = app.MapUploadGroup(options).WithTags("BUD-06 upload requirements");
        group.MapMethods("", [HttpMethods.Head], CheckUpload)
            .WithName("CheckUpload")
            .WithSummary("Says from X-SHA-256, X-Content-Type and X-Content-Length whether PUT /upload would be accepted.");
        return group;
    }

    internal static Results<Ok, BlossomError> CheckUpload(HttpRequest request, IOptions<UploadOptions> options)
    {
        var (announced, error) = ReadAnnouncement(request);
        if (announced is not { } upload)
            return error!;
        return UploadPolicy.Check(options.Value.Limits(options.Value.MaxSizeBytes), upload.Type, upload.Length) is { } refusal ? refusal : TypedResults.Ok();
    }

    /// <summary>The blob a preflight announces in <c>X-SHA-256</c>, <c>X-Content-Type</c> and <c>X-Content-Length</c> (BUD-06, BUD-05).</summary>
    internal static ((string Sha256, string Type, long Length)? Announced, BlossomError? Error) ReadAnnouncement(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sha256 = BlobRequest.Sha256Header(request);
        if (!sha256.Present)
            return (null, BlossomError.BadRequest("X-SHA-256 header is required"));
        if (!sha256.Valid)
            return (null, BlossomError.BadRequest("X-SHA-256 must be a 64-character hex sha256"));

        var lengthHeader = request.Headers[ContentLengthHeader].ToString();
        if (lengthHeader.Length == 0)
            return (null, BlossomError.LengthRequired("X-Content-Length header is required"));
        if (!long.TryParse(lengthHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            return (null, BlossomError.BadRequest("X-Content-Length must be a non-negative integer"));

        return ((sha256.Value, MediaTypes.Normalize(request.Headers[ContentTypeHeader].ToString()), length), null);
    }
}
