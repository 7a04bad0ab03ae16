using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

namespace Blossom.Server;

/// <summary>
/// Every error answer: the status, a short ASCII <c>X-Reason</c> a client can show (BUD-01), and
/// <c>{"message": …}</c> as the body.
/// </summary>
public sealed class BlossomError(int statusCode, string reason) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    /// <summary>The refusals every Blossom route may answer, described in the OpenAPI document with their body.</summary>
    private static readonly int[] DescribedStatusCodes =
    [
        StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
        StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status429TooManyRequests,
    ];

    public const string ReasonHeader = "X-Reason";

    public int StatusCode { get; } = statusCode;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public string Reason { get; } = ToAscii(reason);

    public static BlossomError BadRequest(string reason) => new(StatusCodes.Status400BadRequest, reason);
    public static BlossomError Unauthorized(string reason) => new(StatusCodes.Status401Unauthorized, reason);
    public static BlossomError Forbidden(string reason) => new(StatusCodes.Status403Forbidden, reason);
    public static BlossomError NotFound(string reason) => new(StatusCodes.Status404NotFound, reason);
    public static BlossomError Conflict(string reason) => new(StatusCodes.Status409Conflict, reason);
    public static BlossomError LengthRequired(string reason) => new(StatusCodes.Status411LengthRequired, reason);
    public static BlossomError TooLarge(string reason) => new(StatusCodes.Status413PayloadTooLarge, reason);
    public static BlossomError UnsupportedType(string reason) => new(StatusCodes.Status415UnsupportedMediaType, reason);
    public static BlossomError RangeNotSatisfiable(string reason) => new(StatusCodes.Status416RangeNotSatisfiable, reason);
    public static BlossomError BadGateway(string reason) => new(StatusCodes.Status502BadGateway, reason);
    public static BlossomError Unprocessable(string reason) => new(StatusCodes.Status422UnprocessableEntity, reason);
    public static BlossomError TooManyRequests(string reason, TimeSpan retryAfter) => new(StatusCodes.Status429TooManyRequests, reason) { RetryAfter = retryAfter };
    public static BlossomError Unavailable(string reason, TimeSpan retryAfter) => new(StatusCodes.Status503ServiceUnavailable, reason) { RetryAfter = retryAfter };

    /// <summary>Sent as <c>Retry-After</c> in whole seconds, for 429 and 503.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        // The pipeline's own refusals (unknown path, wrong verb, rate limit, failure) are written as
        // Blossom errors; on a Matrix route they must be in the Matrix client's vocabulary.
        if (MatrixError.Applies(httpContext))
            return MatrixError.From(this).ExecuteAsync(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.Headers[ReasonHeader] = Reason;
        if (RetryAfter is { } retryAfter)
            response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // This answer is complete even without a body (HEAD): status code pages must not replace it.
        if (httpContext.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
            statusCodePages.Enabled = false;
        if (HttpMethods.IsHead(httpContext.Request.Method))
            return Task.CompletedTask;
        return response.WriteAsJsonAsync(new ErrorBody(Reason), BlossomJsonContext.Default.ErrorBody, contentType: null, httpContext.RequestAborted);
    }

    /// <summary>A handler that may refuse says so in the API description: the status codes above, each with <c>{"message": …}</c>.</summary>
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var status in DescribedStatusCodes)
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ErrorBody), ["application/json"]));
    }

    /// <summary>Header values must be ASCII; anything else becomes '?', and line breaks become spaces.</summary>
    private static string ToAscii(string text)
    {
        var ascii = new StringBuilder(text.Length);
        foreach (var c in text)
            ascii.Append(c switch { '\r' or '\n' or '\t' => ' ', >= ' ' and < (char)127 => c, _ => '?' });
        return ascii.ToString();
    }
}

/// <summary>The body of every refusal; the same words as <c>X-Reason</c>.</summary>
public sealed record ErrorBody(string Message);
