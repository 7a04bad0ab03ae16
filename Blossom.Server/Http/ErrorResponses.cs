using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace Blossom.Server.Http;

/// <summary>Gives errors the framework or a failure produced the same shape as ours: status, X-Reason, JSON body.</summary>
internal static partial class ErrorResponses
{
    public static IApplicationBuilder UseBlossomErrorResponses(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteExceptionAsync, SuppressDiagnosticsCallback = _ => true });
        // 404 for unknown paths, 405 for a wrong verb, and any other bodiless error status.
        app.UseStatusCodePages(context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            return new BlossomError(status, ReasonPhrases.GetReasonPhrase(status)).ExecuteAsync(context.HttpContext);
        });
        return app;
    }

    private static Task WriteExceptionAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        // A malformed or truncated request body is the client's error, not ours.
        if (exception is BadHttpRequestException badRequest)
            return new BlossomError(badRequest.StatusCode, badRequest.Message).ExecuteAsync(context);
        if (context.RequestAborted.IsCancellationRequested)
            return Task.CompletedTask;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Blossom.Server");
        LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
        return new BlossomError(StatusCodes.Status500InternalServerError, "Internal server error").ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception? exception, string method, PathString path);
}
