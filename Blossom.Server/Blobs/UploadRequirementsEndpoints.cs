// BUD-06: HEAD /upload, the upload preflight.
using System.Globalization;
using Blossom.Core.Blobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class UploadRequirementsEndpoints
{

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
        var (announced, error) = BlobRequest.ReadAnnouncement(request);
        if (announced is not { } upload)
            return error!;
        return UploadPolicy.Check(options.Value.Limits(options.Value.MaxSizeBytes), upload.Type, upload.Length) is { } refusal ? refusal : TypedResults.Ok();
    }
}
