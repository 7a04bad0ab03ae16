namespace Blossom.Core.Ingest;

/// <summary>
/// Why an upload was refused, in terms no HTTP surface owns: each surface maps a kind to its own
/// status and error shape, and may show <see cref="IngestRefusal.Reason"/> as it is.
/// </summary>
public enum IngestRefusalKind
{
    /// <summary>The uploader is not one this server accepts uploads from.</summary>
    PubkeyNotAllowed,

    /// <summary>The operator blocked the uploader.</summary>
    PubkeyBlocked,

    /// <summary>The operator blocked the blob itself: whoever sends it, by whatever route.</summary>
    BlobBlocked,

    /// <summary>There is no body to store, nor a length saying one follows.</summary>
    BodyRequired,

    /// <summary>A hash announced with the body is not a 64-character hex sha256.</summary>
    InvalidHash,

    /// <summary>The body's type is not one this server stores (or not a file at all, like a multipart form).</summary>
    TypeNotAllowed,

    /// <summary>The body is, or was announced, larger than the limit.</summary>
    TooLarge,

    /// <summary>The owner's blobs and other writes under way leave no room for this one.</summary>
    QuotaExceeded,

    /// <summary>The body's hash is not the one announced with it.</summary>
    HashMismatch,

    /// <summary>The uploader's authorization does not name the body's hash.</summary>
    HashNotAuthorized,

    /// <summary>A chunk's range reaches past the upload's declared length.</summary>
    OutsideUpload,

    /// <summary>A chunk declares another length or type than the upload it belongs to.</summary>
    InconsistentUpload,

    /// <summary>The chunk's body ended before its declared length.</summary>
    ChunkIncomplete,

    /// <summary>The chunked upload was discarded (idle too long) while the chunk arrived; the upload must start again.</summary>
    UploadExpired,
}

/// <summary>A refused upload: what kind of refusal, a short reason a person can read, and the body's hash once known.</summary>
public sealed record IngestRefusal(IngestRefusalKind Kind, string Reason, string? Sha256 = null);
