// BUD-01: GET /<sha256>[.ext] and HEAD /<sha256>[.ext].
using Blossom.Core.Blobs;
using Blossom.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Blossom.Server.Endpoints;

internal static class RetrievalEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>Blobs up to this size are read into memory in one synchronous read (see below).</summary>
    private const long SmallBlobBytes = 64 * 1024;

    public static RouteGroupBuilder MapRetrievalEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("BUD-01 retrieval").WithIpRateLimit(IpRateLimit.Reads);
        group.MapMethods(BlobRoute.Pattern, [HttpMethods.Get, HttpMethods.Head], GetBlobAsync)
            .WithName("GetBlob")
            .WithSummary("The blob's bytes, with ranges, ETag and caching; any extension is accepted.");
        return group;
    }

    /// <summary>
    /// The framework's file results handle Range (206/416), If-None-Match (304) and HEAD; the ETag
    /// is the hash, which names the bytes forever. Small blobs are read in one synchronous read from
    /// the page cache: the file-streaming path costs a thread-pool hop per read, several times the
    /// cost of the read itself at this size.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, PhysicalFileHttpResult, BlossomError>> GetBlobAsync(
        string blob, BlobService blobs, HttpContext context, CancellationToken cancellationToken)
    {
        var sha256 = BlobRoute.HashOf(blob);
        var record = await blobs.FindAsync(sha256, cancellationToken).ConfigureAwait(false);
        if (record is null || blobs.Store.Find(sha256) is not { } file)
            return BlossomError.NotFound("Blob not found");

        context.Response.Headers.CacheControl = Immutable;
        var lastModified = DateTimeOffset.FromUnixTimeSeconds(record.Uploaded);
        var entityTag = new EntityTagHeaderValue($"\"{sha256}\"");
        if (file.Length > SmallBlobBytes)
            return TypedResults.PhysicalFile(file.PhysicalPath, record.Type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        try
        {
            var bytes = File.ReadAllBytes(file.PhysicalPath);
            return TypedResults.Bytes(bytes, record.Type, lastModified: lastModified, entityTag: entityTag, enableRangeProcessing: true);
        }
        catch (FileNotFoundException)
        {
            return BlossomError.NotFound("Blob not found"); // deleted since it was found
        }
    }
}
