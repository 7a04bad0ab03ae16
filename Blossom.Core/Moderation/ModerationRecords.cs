namespace Blossom.Core.Moderation;

/// <summary>A report of one blob (BUD-09): who reported it, why, and the signed event as received.</summary>
/// <param name="EventId">The kind 1984 event's id.</param>
/// <param name="Sha256">The reported blob.</param>
/// <param name="Reporter">The reporter's pubkey.</param>
/// <param name="Kind">The NIP-56 report type (<c>nudity</c>, <c>malware</c>, <c>illegal</c>, …), empty when none was given.</param>
/// <param name="Content">The reporter's words.</param>
/// <param name="Event">The event JSON.</param>
/// <param name="Received">Unix seconds.</param>
public sealed record BlobReport(string EventId, string Sha256, string Reporter, string Kind, string Content, string Event, long Received);

/// <summary>A report event (BUD-09, NIP-56) as received, kept once however many blobs it names.</summary>
/// <param name="EventId">The kind 1984 event's id.</param>
/// <param name="Reporter">The reporter's pubkey.</param>
/// <param name="Content">The reporter's words.</param>
/// <param name="Event">The event JSON.</param>
/// <param name="Received">Unix seconds.</param>
public sealed record ReportEvent(string EventId, string Reporter, string Content, string Event, long Received);

/// <summary>A blob a report names, with the NIP-56 report type given for it (empty when none).</summary>
public sealed record ReportedBlob(string Sha256, string Kind);

/// <summary>A pubkey the operator blocked from writing.</summary>
public sealed record BlockedPubkey(string Pubkey, string Reason, long Blocked);

/// <summary>A blob the operator blocked: removed for all its owners and refused whenever it arrives again.</summary>
public sealed record BlockedBlob(string Sha256, string Reason, long Blocked);
