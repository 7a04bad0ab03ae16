namespace Blossom.Core.Matrix;

/// <summary>
/// The media the operator quarantined, one media id of a server or every media of a server: they are
/// answered as not found on every route, local and federation, and remote ones are not fetched.
/// </summary>
public interface IMatrixQuarantine
{
    /// <summary>Quarantines one media id, or every media of <paramref name="serverName"/> when <paramref name="mediaId"/> is null; false when it already was.</summary>
    Task<bool> AddAsync(string serverName, string? mediaId, string? reason, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Lifts a quarantine added with the same server and media id (null: the server's); false when there was none.</summary>
    Task<bool> RemoveAsync(string serverName, string? mediaId, CancellationToken cancellationToken);

    /// <summary>Whether the media, or every media of its server, is quarantined.</summary>
    Task<bool> IsQuarantinedAsync(string serverName, string mediaId, CancellationToken cancellationToken);

    /// <summary>Every quarantine, by server then media id (a whole server's first).</summary>
    Task<IReadOnlyList<MatrixQuarantined>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>One quarantine: a media id of a server, or (<paramref name="MediaId"/> null) every media of it.</summary>
public sealed record MatrixQuarantined(string ServerName, string? MediaId, string? Reason, DateTimeOffset Created);
