using Blossom.Core.Moderation;

namespace Blossom.Core.Ingest;

/// <summary>
/// Who may store blobs: <c>Upload:AllowedPubkeys</c> and the operator's block list. A surface asks
/// as soon as it knows the uploader (Blossom: while authorizing, before any body is read).
/// </summary>
public sealed class UploaderPolicy(IModerationStore moderation, IReadOnlyCollection<string> allowedPubkeys)
{
    /// <summary>Null when <paramref name="pubkey"/> may upload; an uploader not known (null) may not.</summary>
    public async Task<IngestRefusal?> CheckAsync(string? pubkey, CancellationToken cancellationToken)
    {
        if (pubkey is null || (allowedPubkeys.Count > 0 && !allowedPubkeys.Contains(pubkey, StringComparer.Ordinal)))
            return new(IngestRefusalKind.PubkeyNotAllowed, "This server does not accept uploads from your pubkey");
        if (await moderation.IsBlockedAsync(pubkey, cancellationToken))
            return new(IngestRefusalKind.PubkeyBlocked, "Your pubkey is blocked on this server");
        return null;
    }
}
