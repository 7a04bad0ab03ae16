using Microsoft.AspNetCore.HttpLogging;

namespace Blossom.Server;

/// <summary>
/// One line per request at Information, from the framework's HTTP logging: method, path, status,
/// the answer's length and the time taken. The query string is left out, and with it any
/// <c>access_token</c> a Matrix client puts there; so are all headers (tokens travel in them).
/// Quieted like any log category: <c>Logging:LogLevel:Microsoft.AspNetCore.HttpLogging=Warning</c>.
/// </summary>
internal static class AccessLog
{
    /// <summary>The category of the access log's lines.</summary>
    public const string Category = "Microsoft.AspNetCore.HttpLogging";

    public static IServiceCollection AddBlossomAccessLog(this IServiceCollection services)
    {
        services.AddHttpLogging(o =>
        {
            o.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            o.CombineLogs = true;
        });
        services.AddSingleton<IHttpLoggingInterceptor, ResponseLengthInterceptor>();
        return services;
    }

    /// <summary>Adds the answer's length (<c>Content-Length</c>; none for a streamed answer of unknown length) to the line.</summary>
    private sealed class ResponseLengthInterceptor : IHttpLoggingInterceptor
    {
        public ValueTask OnRequestAsync(HttpLoggingInterceptorContext logContext) => ValueTask.CompletedTask;

        public ValueTask OnResponseAsync(HttpLoggingInterceptorContext logContext)
        {
            ArgumentNullException.ThrowIfNull(logContext);
            logContext.AddParameter("ResponseLength", logContext.HttpContext.Response.ContentLength);
            return ValueTask.CompletedTask;
        }
    }
}
