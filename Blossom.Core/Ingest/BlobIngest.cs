using Blossom.Core.Blobs;

namespace Blossom.Core.Ingest;

/// <summary>
/// The one way bytes become a stored blob, whichever surface they came through: the type and size
/// rules, the owner's quota, the body streamed through the hash into a store's temporary space, the
/// checks of its hash against what the client announced and authorized, then the commit. A refusal
/// is a value (<see cref="IngestRefusal"/>) that each surface turns into its own error answer; a
/// refused body is discarded. A blob the operator blocked is refused before its body when its hash
/// was announced, and after it otherwise.
/// </summary>
public sealed class BlobIngest(BlobService blobs, IQuotaReservations quotas, BlobBlocks blocks)
{
    /// <summary>
    /// The rules an upload can be judged by before its body: type and announced size. The preflights
    /// use them alone; null when the upload may proceed. A null <paramref name="type"/> is one the
    /// body will show, judged once it is read.
    /// </summary>
    public static IngestRefusal? Check(IngestLimits limits, string? type, long? length)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (type is not null && CheckType(limits, type) is { } refused)
            return refused;
        if (length > limits.MaxSizeBytes)
            return TooLarge(limits);
        return null;
    }

    /// <summary>Stores the body as a blob of the blob store, owned by the request's owner (an upload, a mirror).</summary>
    public Task<Outcome<(BlobRecord Blob, bool Created), IngestRefusal>> IngestBlobAsync(IngestRequest request, IngestLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string[] owners = request.Owner is null ? [] : [request.Owner];
        return IngestAsync(request, limits, blobs.Store,
            (pending, received, type, token) => blobs.CommitAsync(pending, received, type, owners, token), cancellationToken);
    }

    /// <summary>
    /// Receives the body into <paramref name="store"/> and hands it to <paramref name="commit"/>
    /// once every rule passed. The owner's quota room is held from before the body until the commit
    /// returned, so concurrent writes cannot share it. A type to be taken from the content is read
    /// from the first bytes as they stream into the store, and judged before the commit.
    /// </summary>
    public async Task<Outcome<T, IngestRefusal>> IngestAsync<T>(IngestRequest request, IngestLimits limits, IBlobStore store, IngestCommit<T> commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(commit);
        if (Check(limits, request.TypeFromContent ? null : request.Type, request.Length) is { } refused)
            return Refused<T>(refused);
        var announced = request.Announced is { } given && BlobHash.IsValid(given.Value) ? given.Value : null;
        if (announced is not null && await blocks.CheckAsync(announced, cancellationToken) is { } blocked)
            return Refused<T>(blocked);
        var quota = await quotas.ReserveAsync(request.Owner, request.OwnsBody ? announced : null, request.Length, cancellationToken);
        await using (quota)
        {
            if (!quota.Granted)
                return Refused<T>(QuotaExceeded(quota, quotas.QuotaBytes));
            if (request.Body is null)
                return Refused<T>(new(IngestRefusalKind.BodyRequired, "Content-Length is required"));
            if (request.Announced is { } invalid && announced is null)
                return Refused<T>(new(IngestRefusalKind.InvalidHash, $"{invalid.Name} must be a 64-character hex sha256"));

            var pending = await store.BeginWriteAsync(announced, cancellationToken);
            await using (pending)
            {
                ReceivedBlob received;
                string type;
                try
                {
                    var body = new HeadRecordingStream(await request.Body(cancellationToken), ContentSignatures.HeadLength);
                    received = await pending.ReceiveAsync(body, limits.MaxSizeBytes, cancellationToken);
                    type = request.TypeFromContent ? ContentSignatures.Detect(body.Head) ?? request.Type : request.Type;
                }
                catch (BlobTooLargeException)
                {
                    return Refused<T>(TooLarge(limits));
                }
                if (request.TypeFromContent && CheckType(limits, type) is { } refusedType)
                    return Refused<T>(refusedType);
                if (announced is not null && announced != received.Sha256)
                    return Refused<T>(new(IngestRefusalKind.HashMismatch, $"{request.Announced!.Name} does not match the body, whose sha256 is {received.Sha256}", received.Sha256));
                // Without an announced hash the authorization could only be checked now that the hash is known.
                if (request.AuthorizedSha256 is { } authorized && !authorized.Contains(received.Sha256))
                    return Refused<T>(new(IngestRefusalKind.HashNotAuthorized, "Authorization event x tags do not include the blob hash", received.Sha256));
                if (announced is null && await blocks.CheckAsync(received.Sha256, cancellationToken) is { } blockedBody)
                    return Refused<T>(blockedBody);
                if (!await quota.ResizeAsync(request.OwnsBody ? received.Sha256 : null, received.Size, cancellationToken))
                    return Refused<T>(QuotaExceeded(quota, quotas.QuotaBytes));
                return new(await commit(pending, received, type, cancellationToken), null);
            }
        }
    }

    private static IngestRefusal? CheckType(IngestLimits limits, string type)
    {
        if (MediaTypes.IsMultipart(type))
            return new(IngestRefusalKind.TypeNotAllowed, "Send the file's raw bytes as the request body, not multipart form data");
        if (!MediaTypes.IsAllowed(type, limits.AllowedTypes))
            return new(IngestRefusalKind.TypeNotAllowed, $"This server does not accept {type}; allowed: {string.Join(", ", limits.AllowedTypes)}");
        return limits.TypeRule?.Invoke(type) is { } reason ? new(IngestRefusalKind.TypeNotAllowed, reason) : null;
    }

    private static Outcome<T, IngestRefusal> Refused<T>(IngestRefusal refusal) => new(default!, refusal);

    private static IngestRefusal TooLarge(IngestLimits limits) =>
        new(IngestRefusalKind.TooLarge, $"Blob is larger than this server's limit of {limits.MaxSizeBytes} bytes");

    /// <summary>The refusal of a write the owner's quota has no room for, with the figures.</summary>
    internal static IngestRefusal QuotaExceeded(IQuotaReservation quota, long quotaBytes) =>
        new(IngestRefusalKind.QuotaExceeded, $"Storage quota exceeded: your blobs take {quota.UsedBytes} of {quotaBytes} bytes and this one needs {quota.RequestedBytes}");
}
