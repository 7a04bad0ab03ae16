
namespace Blossom.Server;

/// <summary>
/// BUD-01 asks for <c>Access-Control-Allow-Origin: *</c> on every response, not only those to
/// requests with an <c>Origin</c> header, which is all the framework's CORS middleware answers.
/// </summary>
internal static class CrossOriginHeaders
{
    // What a chunked upload (BUD-14) sends, and what a resuming client reads from HEAD /<sha256>.
    private const string UploadHeaders = $"{ChunkedUploadHeaders.UploadType}, {ChunkedUploadHeaders.UploadLength}, {ChunkedUploadHeaders.UploadOffset}";
    private const string ResumeHeaders = $"{UploadHeaders}, {ChunkedUploadHeaders.UploadRanges}, {ChunkedUploadHeaders.UploadExpires}";

    public static IApplicationBuilder UseCrossOriginHeaders(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        // OnStarting, so the headers survive the exception handler clearing a failed response.
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.AccessControlAllowOrigin = "*";
            // "*" exposes every header to browsers that know it; the names are for those that do not.
            headers.AccessControlExposeHeaders = $"*, {BlossomError.ReasonHeader}, Content-Length, Content-Range, Accept-Ranges, ETag, Location, Retry-After, Preference-Applied, Allow, {RetrievalEndpoints.SunsetHeader}, {ResumeHeaders}";
            return Task.CompletedTask;
        }, context.Response);

        if (!HttpMethods.IsOptions(context.Request.Method))
            return next(context);
        var headers = context.Response.Headers;
        // "*" allows any header only to requests without credentials; the names are for the rest.
        headers.AccessControlAllowHeaders = $"Authorization, Content-Type, {UploadHeaders}, *";
        // POST: the Matrix media API uploads and creates with it.
        headers.AccessControlAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
        headers.AccessControlMaxAge = "86400";
        // A route that answers OPTIONS itself (a blob's address lists its methods in Allow) does so.
        if (context.GetEndpoint()?.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Options) == true)
            return next(context);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    });
}
