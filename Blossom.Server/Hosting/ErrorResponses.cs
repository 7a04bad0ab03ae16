using Blossom.Core.Blobs;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Blossom.Server;

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
        app.Use(ForgiveClientAbortsAsync);
        return app;
    }

    /// <summary>
    /// A client that resets or drops the connection while sending a body is the client's doing:
    /// one information line, no stack trace, nothing to answer. Left to the exception handler, the
    /// reset raced the abort token and came out as three error entries (ours, and the framework's
    /// twice when writing the 500 failed). Bodiless requests keep the framework's debug line.
    /// </summary>
    private static async Task ForgiveClientAbortsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true }
            && (e is ConnectionResetException || (e is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)))
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Blossom.Server");
            LogClientAborted(logger, context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
                if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
                    statusCodePages.Enabled = false;
            }
            // The connection is gone: without the abort Kestrel would still drain the body, and when
            // the reset ended a read in flight its reader is left mid-read and the drain logs an error.
            context.Abort();
        }
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
        // A full disk is the operator's to fix, not a bug: a reason for the client, one line for the log, no trace.
        if (exception is not null && OutOfSpace.Is(exception))
        {
            context.RequestServices.GetRequiredService<StorageSpace>().ReportFull();
            LogOutOfSpace(logger, context.Request.Method, context.Request.Path, exception.Message);
            return new BlossomError(StatusCodes.Status507InsufficientStorage, StorageSpace.FullReason).ExecuteAsync(context);
        }
        LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
        return new BlossomError(StatusCodes.Status500InternalServerError, "Internal server error").ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception? exception, string method, PathString path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "The client closed the connection during {Method} {Path}; what it sent was discarded")]
    private static partial void LogClientAborted(ILogger logger, string method, PathString path);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Out of storage space on {Method} {Path}, refused with 507: {Problem}")]
    private static partial void LogOutOfSpace(ILogger logger, string method, PathString path, string problem);
}
