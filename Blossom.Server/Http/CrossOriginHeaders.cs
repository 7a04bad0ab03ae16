namespace Blossom.Server.Http;

/// <summary>
/// BUD-01 asks for <c>Access-Control-Allow-Origin: *</c> on every response, not only those to
/// requests with an <c>Origin</c> header, which is all the framework's CORS middleware answers.
/// </summary>
internal static class CrossOriginHeaders
{
    public static IApplicationBuilder UseCrossOriginHeaders(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        // OnStarting, so the headers survive the exception handler clearing a failed response.
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.AccessControlAllowOrigin = "*";
            // "*" exposes every header to browsers that know it; the names are for those that do not.
            headers.AccessControlExposeHeaders = $"*, {BlossomError.ReasonHeader}, Content-Length, Content-Range, Accept-Ranges, ETag, Location, Retry-After, Preference-Applied";
            return Task.CompletedTask;
        }, context.Response);

        if (!HttpMethods.IsOptions(context.Request.Method))
            return next(context);
        var headers = context.Response.Headers;
        headers.AccessControlAllowHeaders = "Authorization, *";
        headers.AccessControlAllowMethods = "GET, HEAD, PUT, DELETE";
        headers.AccessControlMaxAge = "86400";
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    });
}
