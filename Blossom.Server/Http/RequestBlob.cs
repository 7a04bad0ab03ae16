using Blossom.Core.Blobs;
using Blossom.Server.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace Blossom.Server.Http;

/// <summary>A request body received into a store, not yet committed; disposing discards it.</summary>
internal sealed record ReceivedBody(IPendingBlob Pending, ReceivedBlob Blob) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Pending.DisposeAsync();
}

/// <summary>The body handling that <c>PUT /upload</c> and <c>PUT /media</c> share.</summary>
internal static class RequestBlob
{
    /// <summary>
    /// Streams the body through a hash into <paramref name="store"/>'s temporary space, then checks
    /// it against <c>X-SHA-256</c> (409) and, when the header was absent, the token's <c>x</c> tags (401).
    /// Memory stays flat whatever the size; a refused body is discarded.
    /// </summary>
    public static async Task<(ReceivedBody? Body, BlossomError? Error)> ReceiveAsync(
        HttpContext context, IBlobStore store, long maxSizeBytes, BlossomError tooLarge, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
            return (null, BlossomError.LengthRequired("Content-Length is required"));
        var expected = BlobRequest.Sha256Header(request);
        if (expected is { Present: true, Valid: false })
            return (null, BlossomError.BadRequest("X-SHA-256 must be a 64-character hex sha256"));

        // The store enforces the limit itself, also on bodies of unknown length.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = null;

        var pending = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        ReceivedBody? body = null;
        try
        {
            var received = await pending.ReceiveAsync(request.Body, maxSizeBytes, cancellationToken).ConfigureAwait(false);
            if (expected.Present && expected.Value != received.Sha256)
                return (null, BlossomError.Conflict($"X-SHA-256 does not match the body, whose sha256 is {received.Sha256}"));
            // Without X-SHA-256 the token's x tags could only be checked now that the hash is known.
            if (context.GetAuthorizationEvent() is { } authorization && !expected.Present && !authorization.Covers(received.Sha256))
                return (null, BlossomError.Unauthorized("Authorization event x tags do not include the blob hash"));
            body = new ReceivedBody(pending, received);
            return (body, null);
        }
        catch (BlobTooLargeException)
        {
            return (null, tooLarge);
        }
        finally
        {
            if (body is null)
                await pending.DisposeAsync().ConfigureAwait(false);
        }
    }
}
