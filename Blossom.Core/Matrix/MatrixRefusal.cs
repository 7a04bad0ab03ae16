using Blossom.Core.Ingest;

namespace Blossom.Core.Matrix;

/// <summary>Why a Matrix media request got no media, in terms the HTTP surface maps to its errcodes and statuses.</summary>
public enum MatrixRefusalKind
{
    /// <summary>No such media id here, or a created id that expired unused, or its blob is gone (M_NOT_FOUND, 404).</summary>
    NotFound,

    /// <summary>Another user's created id, a type this server does not store, a full quota or a blocked user (M_FORBIDDEN, 403).</summary>
    Forbidden,

    /// <summary>The created id already has its bytes (M_CANNOT_OVERWRITE_MEDIA, 409).</summary>
    CannotOverwrite,

    /// <summary>The user has as many pending created ids as allowed (M_LIMIT_EXCEEDED, 429, with a retry time).</summary>
    LimitExceeded,

    /// <summary>The wait for a created id's upload ended first (M_NOT_YET_UPLOADED, 504).</summary>
    NotYetUploaded,

    /// <summary>The body is larger than the Matrix upload limit (M_TOO_LARGE, 413).</summary>
    TooLarge,

    /// <summary>The request cannot be stored as it is, e.g. a body of unknown length (M_BAD_JSON/M_UNKNOWN, 400 or 411).</summary>
    BadRequest,

    /// <summary>Another server's media could not be fetched: unreachable, refused, or answered what is no media (M_UNKNOWN, 502).</summary>
    RemoteFailed,

    /// <summary>Another server's media is larger than this server fetches (M_TOO_LARGE, 502).</summary>
    RemoteTooLarge,

    /// <summary>Another server's media did not arrive within the fetch's time (M_UNKNOWN, 504).</summary>
    RemoteTimeout,
}

/// <summary>
/// A refused Matrix media request: its kind, a short reason a person can read, how long to wait for
/// <see cref="MatrixRefusalKind.LimitExceeded"/>, and the upload refusal behind it when the ingest refused.
/// </summary>
public sealed record MatrixRefusal(MatrixRefusalKind Kind, string Reason, TimeSpan? RetryAfter = null, IngestRefusal? Ingest = null);

/// <summary>Makes the <see cref="Outcome{T, TRefusal}"/> of a Matrix media request.</summary>
public static class MatrixResult
{
    public static Outcome<T, MatrixRefusal> Ok<T>(T value) => new(value, null);

    public static Outcome<T, MatrixRefusal> Refused<T>(MatrixRefusal refusal) => new(default!, refusal);
}

/// <summary>An uploaded media id with its blob, ready to serve.</summary>
public sealed record MatrixContent(MatrixMedia Media, Blobs.BlobRecord Blob);

/// <summary>A Matrix upload's body and what its request says about it.</summary>
/// <param name="Owner">The uploading Matrix user id.</param>
/// <param name="Body">Where the bytes come from; null when the request has none.</param>
/// <param name="Length">The announced length; null when the body's framing does not say.</param>
/// <param name="ContentType">The normalized media type; <c>application/octet-stream</c> when the client sent none.</param>
/// <param name="FileName">The <c>filename</c> query parameter, if any.</param>
public sealed record MatrixUpload(string Owner, IngestBodySource? Body, long? Length, string ContentType, string? FileName);

/// <summary>The Matrix media rules, from the <c>Matrix</c> settings.</summary>
/// <param name="ServerName">The <c>mxc://</c> authority of this server's media.</param>
/// <param name="Limits">Size and type rules for Matrix uploads.</param>
/// <param name="UnusedExpiry">How long a created id waits for its upload.</param>
/// <param name="MaxPendingUploadsPerUser">How many created ids one user may have waiting at once.</param>
/// <param name="MaxDownloadWait">The cap on a client's <c>timeout_ms</c>.</param>
public sealed record MatrixMediaSettings(string ServerName, IngestLimits Limits, TimeSpan UnusedExpiry, int MaxPendingUploadsPerUser, TimeSpan MaxDownloadWait);
