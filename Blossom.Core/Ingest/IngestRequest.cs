using Blossom.Core.Blobs;

namespace Blossom.Core.Ingest;

/// <summary>
/// Opens the body once the checks that need no body have passed, so a surface lifts its own limits
/// (or starts a download) only for a body that will be read.
/// </summary>
public delegate ValueTask<Stream> IngestBodySource(CancellationToken cancellationToken);

/// <summary>Stores the received bytes: the last step of an ingest, and the only one that differs between blob and media uploads.</summary>
/// <paramref name="type"/> is the blob's type: the request's, or the one its content showed.
public delegate Task<T> IngestCommit<T>(IPendingBlob pending, ReceivedBlob received, string type, CancellationToken cancellationToken);

/// <summary>A hash the client announced before the body, and the name a refusal gives it (a header, a field).</summary>
public sealed record AnnouncedHash(string Name, string Value);

/// <summary>What a surface knows about an upload before its body is read.</summary>
/// <param name="Body">Where the bytes come from; null when the request has none.</param>
/// <param name="Type">
/// The normalized media type the blob will carry; with <paramref name="TypeFromContent"/>, only
/// when its content is none that <see cref="ContentSignatures"/> knows.
/// </param>
/// <param name="Length">The announced length; null when the body's framing does not say.</param>
/// <param name="Owner">The uploader's pubkey; null for an anonymous upload (no quota, no owner).</param>
/// <param name="Announced">A hash the body must have, when the client announced one.</param>
/// <param name="AuthorizedSha256">The hashes the uploader's authorization names; null when it does not restrict them.</param>
/// <param name="OwnsBody">
/// Whether the owner will own the body itself (its size counts once, and nothing when already owned)
/// or a blob made from it, whose size the body's stands in for.
/// </param>
/// <param name="TypeFromContent">
/// Whether the client named no type, so the body's first bytes decide it; the type rules then wait
/// for the body.
/// </param>
public sealed record IngestRequest(
    IngestBodySource? Body,
    string Type,
    long? Length,
    string? Owner,
    AnnouncedHash? Announced,
    IReadOnlyCollection<string>? AuthorizedSha256,
    bool OwnsBody = true,
    bool TypeFromContent = false);

/// <summary>The server's rules for a kind of upload.</summary>
/// <param name="MaxSizeBytes">The largest body accepted.</param>
/// <param name="AllowedTypes">Type patterns (<c>image/*</c>, exact); empty allows every type.</param>
/// <param name="TypeRule">
/// A further rule of the surface on the type (the media optimizer takes only media): the reason a
/// type is refused, null when it is taken.
/// </param>
public sealed record IngestLimits(long MaxSizeBytes, IReadOnlyCollection<string> AllowedTypes, Func<string, string?>? TypeRule = null);
