using System.Diagnostics;

namespace Blossom.Server;

/// <summary>
/// One line per request at Information: method, path, status, the answer's length (<c>Content-Length</c>;
/// none for a streamed answer of unknown length) and the time taken. The query string is left out,
/// and with it any <c>access_token</c> a Matrix client puts there; so are all headers (tokens travel
/// in them). Quieted like any log category: <c>Logging:LogLevel:Blossom.AccessLog=Warning</c>.
/// </summary>
/// <remarks>
/// Written here, not with the framework's HTTP logging: that wraps every answer's body in a
/// buffering stream and opens a log scope to learn the same five facts, which cost a 4 KiB GET
/// about a tenth of its CPU (see bench/results.md). This reads them once the answer is written.
/// </remarks>
internal static partial class AccessLog
{
    /// <summary>The category of the access log's lines.</summary>
    public const string Category = "Blossom.AccessLog";

    /// <summary>Logs each request that passes through, after the rest of the pipeline answered it.</summary>
    public static IApplicationBuilder UseBlossomAccessLog(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        return app.Use(async (context, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                await next(context);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var response = context.Response;
                LogRequest(logger, context.Request.Method, context.Request.Path, response.StatusCode, response.ContentLength, milliseconds);
            }
        });
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "{Method} {Path} {StatusCode} {ResponseLength} {Duration} ms")]
    private static partial void LogRequest(ILogger logger, string method, PathString path, int statusCode, long? responseLength, double duration);
}
