// BUD-01: GET /<sha256>[.ext] and HEAD /<sha256>[.ext].
using Blossom.Core.Blobs;
using Blossom.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server.Endpoints;

internal static class RetrievalEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";

    public static RouteGroupBuilder MapRetrievalEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("BUD-01 retrieval");
        group.MapMethods(BlobRoute.Pattern, [HttpMethods.Get, HttpMethods.Head], GetBlobAsync)
            .WithName("GetBlob")
            .WithSummary("The blob's bytes, with ranges, ETag and caching; any extension is accepted.");
        return group;
    }

    /// <summary>
    /// The framework's file result handles Range (206/416), If-None-Match (304), HEAD and
    /// sendfile; the ETag is the hash, which names the bytes forever.
    /// </summary>
    internal static async Task<Results<PhysicalFileHttpResult, BlossomError>> GetBlobAsync(string blob, BlobService blobs, HttpContext context, CancellationToken cancellationToken)
    {
        var sha256 = BlobRoute.HashOf(blob);
        var record = await blobs.FindAsync(sha256, cancellationToken).ConfigureAwait(false);
        if (record is null || blobs.Store.Find(sha256) is not { } file)
            return BlossomError.NotFound("Blob not found");

        context.Response.Headers.CacheControl = Immutable;
        return TypedResults.PhysicalFile(
            file.PhysicalPath,
            record.Type,
            lastModified: DateTimeOffset.FromUnixTimeSeconds(record.Uploaded),
            entityTag: new EntityTagHeaderValue($"\"{sha256}\""),
            enableRangeProcessing: true);
    }
}
