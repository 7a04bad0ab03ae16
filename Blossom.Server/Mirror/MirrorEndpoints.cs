// BUD-04: PUT /mirror.
using System.Text.Json;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Outbound;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class MirrorEndpoints
{
    /// <summary>A <c>{"url": …}</c> body needs no more.</summary>
    private const int MaxRequestBodyBytes = 16 * 1024;

    private static readonly FileExtensionContentTypeProvider TypesByExtension = new();

    public static RouteGroupBuilder MapMirrorEndpoints(this IEndpointRouteBuilder app, UploadOptions upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        // BUD-11: t=upload, with x naming the blob, which is only known once downloaded.
        var group = app.MapGroup("/mirror").WithTags("BUD-04 mirror");
        group = upload.RequireAuth
            ? group.RequireNostrAuthorization(AuthorizationVerb.Upload, XTagRule.Required, NostrAuthorizationMetadata.NoHash)
            : group.AcceptUploaderAuthorization(AuthorizationVerb.Upload, XTagRule.Required, NostrAuthorizationMetadata.NoHash);
        group.MapPut("", MirrorAsync)
            .WithName("Mirror")
            .WithSummary("Fetches the blob at {\"url\"} and stores it, when its sha256 is one the token's x tags name.");
        return group;
    }

    /// <summary>What a mirror uses, bundled for its handler.</summary>
    internal sealed record MirrorServices(
        BlobIngest Ingest, OutboundClient Mirror, IOptions<UploadOptions> UploadOptions, IOptions<MirrorOptions> MirrorOptions, BlobDescriptions Descriptions);

    /// <summary>
    /// Streams the origin's body through the hash into the store, size- and time-limited; nothing
    /// is kept unless the hash is one the token names.
    /// </summary>
    internal static async Task<Results<Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> MirrorAsync(
        HttpContext context, [AsParameters] MirrorServices services, CancellationToken cancellationToken)
    {
        var (ingest, mirror, descriptions) = (services.Ingest, services.Mirror, services.Descriptions);
        var (options, mirrorOptions) = (services.UploadOptions.Value, services.MirrorOptions);
        var (url, invalid) = await ReadUrlAsync(context.Request, cancellationToken);
        if (url is null)
            return invalid!;
        var authorization = context.GetAuthorizationEvent();

        // The whole mirror, from the origin's first byte to the commit, runs within the timeout.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = TimeSpan.FromSeconds(mirrorOptions.Value.TimeoutSeconds);
        deadline.CancelAfter(timeout);
        var timedOut = BlossomError.BadGateway($"The origin did not deliver the blob within {mirrorOptions.Value.TimeoutSeconds} seconds");
        try
        {
            using var response = await mirror.GetAsync(url, deadline.Token);
            if (!response.IsSuccessStatusCode)
                return BlossomError.BadGateway($"The origin answered {(int)response.StatusCode} {response.ReasonPhrase}");

            var mirrored = new IngestRequest(
                token => new ValueTask<Stream>(response.Content.ReadAsStreamAsync(token)), TypeOf(response, url), response.Content.Headers.ContentLength,
                authorization?.Pubkey, Announced: null, authorization?.BlobHashes, TypeFromContent: response.Content.Headers.ContentType is null);
            var result = await ingest.IngestBlobAsync(mirrored, options.Limits(options.MaxSizeBytes), deadline.Token);
            if (result.Refusal is { } refusal)
            {
                // Here the token's x tags are the only word on what the origin should deliver, so a
                // different blob is a conflict with the origin, not a fault of the token.
                return refusal.Kind == IngestRefusalKind.HashNotAuthorized
                    ? BlossomError.Conflict($"The mirrored blob's sha256 is {refusal.Sha256}, which the token's x tags do not name")
                    : refusal.ToBlossomError();
            }
            var (blob, created) = result.Value;
            var descriptor = await descriptions.DescribeAsync(blob, context.Request, cancellationToken);
            return created ? TypedResults.Created(descriptor.Url, descriptor) : TypedResults.Ok(descriptor);
        }
        catch (HttpRequestException e) when (e.InnerException is OriginRefusedException refused)
        {
            return BlossomError.Forbidden($"Not mirrored: {refused.Message}");
        }
        catch (RedirectRefusedException e)
        {
            return BlossomError.BadGateway(e.Message);
        }
        catch (HttpRequestException e)
        {
            return BlossomError.BadGateway($"The origin could not be fetched: {e.Message}");
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested && !OutOfSpace.Is(e))
        {
            return BlossomError.BadGateway($"The origin's answer broke off: {e.Message}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return timedOut;
        }
    }

    /// <summary>The <c>url</c> of a <c>{"url": …}</c> body, when it is an absolute http(s) URL.</summary>
    private static async Task<(Uri? Url, BlossomError? Error)> ReadUrlAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var tooLarge = BlossomError.TooLarge($"A mirror request body is at most {MaxRequestBodyBytes} bytes: {{\"url\": \"https://...\"}}");
        if (!RequestBodyLimit.TryCap(request, MaxRequestBodyBytes))
            return (null, tooLarge);
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("url", out var value) || value.ValueKind != JsonValueKind.String)
                return (null, BlossomError.BadRequest("The body must be a JSON object with a url string: {\"url\": \"https://…\"}"));
            return Uri.TryCreate(value.GetString(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
                ? (url, null)
                : (null, BlossomError.BadRequest("url must be an absolute http or https URL"));
        }
        catch (JsonException)
        {
            return (null, BlossomError.BadRequest("The body is not JSON; send {\"url\": \"https://…\"}"));
        }
        catch (BadHttpRequestException e) when (e.IsTooLarge())
        {
            return (null, tooLarge);
        }
    }

    /// <summary>
    /// The origin's Content-Type; without a useful one, the URL's extension; else octet-stream (BUD-04).
    /// When the origin sent no type at all, the content's signature comes first and this is its fallback.
    /// </summary>
    private static string TypeOf(HttpResponseMessage response, Uri url)
    {
        var declared = MediaTypes.Normalize(response.Content.Headers.ContentType?.ToString());
        if (declared != MediaTypes.OctetStream)
            return declared;
        return TypesByExtension.TryGetContentType(url.AbsolutePath, out var byExtension) ? MediaTypes.Normalize(byExtension) : declared;
    }
}
