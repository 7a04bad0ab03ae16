using Blossom.Core.Ingest;

namespace Blossom.Server;

/// <summary>An ingest refusal as a Blossom error: its status, and its reason as <c>X-Reason</c>.</summary>
internal static class IngestErrors
{
    public static BlossomError ToBlossomError(this IngestRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.Kind switch
        {
            IngestRefusalKind.PubkeyNotAllowed or IngestRefusalKind.PubkeyBlocked or IngestRefusalKind.BlobBlocked => BlossomError.Forbidden(refusal.Reason),
            IngestRefusalKind.BodyRequired => BlossomError.LengthRequired(refusal.Reason),
            IngestRefusalKind.InvalidHash => BlossomError.BadRequest(refusal.Reason),
            IngestRefusalKind.TypeNotAllowed => BlossomError.UnsupportedType(refusal.Reason),
            IngestRefusalKind.TooLarge or IngestRefusalKind.QuotaExceeded => BlossomError.TooLarge(refusal.Reason),
            IngestRefusalKind.HashMismatch => BlossomError.Conflict(refusal.Reason),
            IngestRefusalKind.HashNotAuthorized => BlossomError.Unauthorized(refusal.Reason),
            IngestRefusalKind.OutsideUpload => BlossomError.RangeNotSatisfiable(refusal.Reason),
            // BUD-14 answers every malformed or inconsistent chunk 400; an expired upload too, so the client starts again.
            IngestRefusalKind.InconsistentUpload or IngestRefusalKind.ChunkIncomplete or IngestRefusalKind.UploadExpired => BlossomError.BadRequest(refusal.Reason),
            _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal.Kind, "An ingest refusal without a Blossom answer"),
        };
    }
}
