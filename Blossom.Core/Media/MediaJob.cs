namespace Blossom.Core.Media;

/// <summary>One unit of work in the queue: optimize this original. Requests for the same original share it.</summary>
public sealed record MediaJob(Guid JobId, string OriginalSha256, string OriginalType, MediaKind Kind);
