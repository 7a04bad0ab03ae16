using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;

namespace Blossom.Server;

/// <summary>
/// Every error answer on a Matrix route (<c>/_matrix/…</c>): the status the Matrix spec gives, and
/// <c>{"errcode", "error"}</c> as the body, with <c>retry_after_ms</c> (and <c>Retry-After</c>) when
/// rate-limited. Blossom routes answer with <see cref="BlossomError"/> instead: one vocabulary per surface.
/// </summary>
public sealed class MatrixError(int statusCode, string errcode, string error) : IResult, IStatusCodeHttpResult
{
    /// <summary>The path every Matrix route lives under.</summary>
    public const string PathPrefix = "/_matrix";

    public int StatusCode { get; } = statusCode;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public string Errcode { get; } = errcode;

    public string Error { get; } = error;

    /// <summary>For <c>M_LIMIT_EXCEEDED</c>: how long the client should wait.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    public static MatrixError NotFound(string error) => new(StatusCodes.Status404NotFound, "M_NOT_FOUND", error);
    public static MatrixError Forbidden(string error) => new(StatusCodes.Status403Forbidden, "M_FORBIDDEN", error);
    public static MatrixError TooLarge(string error) => new(StatusCodes.Status413PayloadTooLarge, "M_TOO_LARGE", error);
    public static MatrixError InvalidParam(string error) => new(StatusCodes.Status400BadRequest, "M_INVALID_PARAM", error);
    public static MatrixError Unknown(int statusCode, string error) => new(statusCode, "M_UNKNOWN", error);
    public static MatrixError MissingToken(string error) => new(StatusCodes.Status401Unauthorized, "M_MISSING_TOKEN", error);
    public static MatrixError UnknownToken(string error) => new(StatusCodes.Status401Unauthorized, "M_UNKNOWN_TOKEN", error);
    public static MatrixError CannotOverwrite(string error) => new(StatusCodes.Status409Conflict, "M_CANNOT_OVERWRITE_MEDIA", error);
    public static MatrixError NotYetUploaded(string error) => new(StatusCodes.Status504GatewayTimeout, "M_NOT_YET_UPLOADED", error);
    public static MatrixError HomeserverUnreachable() => Unknown(StatusCodes.Status502BadGateway, "Homeserver unreachable: the access token could not be checked");

    public static MatrixError LimitExceeded(string error, TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, "M_LIMIT_EXCEEDED", error) { RetryAfter = retryAfter };

    /// <summary>Whether the request is on a Matrix route, whose errors take this form.</summary>
    public static bool Applies(HttpContext context) =>
        context?.Request.Path.StartsWithSegments(PathPrefix, StringComparison.Ordinal) == true;

    /// <summary>
    /// An error the pipeline raised in Blossom's terms (an unknown path, a wrong verb, a rate limit,
    /// a body too large, a failure) in Matrix's: the same status with the spec's code for it.
    /// </summary>
    public static MatrixError From(BlossomError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var errcode = error.StatusCode switch
        {
            // The spec's answer to an endpoint it does not know, or a verb it does not take.
            StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed => "M_UNRECOGNIZED",
            StatusCodes.Status401Unauthorized => "M_UNKNOWN_TOKEN",
            StatusCodes.Status403Forbidden => "M_FORBIDDEN",
            StatusCodes.Status413PayloadTooLarge => "M_TOO_LARGE",
            StatusCodes.Status429TooManyRequests => "M_LIMIT_EXCEEDED",
            _ => "M_UNKNOWN",
        };
        return new(error.StatusCode, errcode, error.Reason) { RetryAfter = error.RetryAfter };
    }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        long? retryAfterMs = RetryAfter is { } wait ? (long)Math.Ceiling(wait.TotalMilliseconds) : null;
        if (RetryAfter is { } retryAfter)
            response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        // This answer is complete: status code pages must not replace it.
        if (httpContext.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
            statusCodePages.Enabled = false;
        if (HttpMethods.IsHead(httpContext.Request.Method))
            return Task.CompletedTask;
        return response.WriteAsJsonAsync(new MatrixErrorBody(Errcode, Error, retryAfterMs), MatrixJsonContext.Default.MatrixErrorBody, contentType: null, httpContext.RequestAborted);
    }
}

/// <summary>The Matrix standard error response.</summary>
public sealed record MatrixErrorBody(
    [property: JsonPropertyName("errcode")] string Errcode,
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("retry_after_ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetryAfterMs);
