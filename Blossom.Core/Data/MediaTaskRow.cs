using Blossom.Core.Blobs;
using Blossom.Core.Media;

namespace Blossom.Core.Data;

/// <summary>
/// The flat shape of a <c>media_tasks</c> row, the same in every database; the status is stored as
/// its lowercase wire name. Properties rather than a constructor, so Dapper converts what a database
/// returns (SQLite's integer 0/1, PostgreSQL's boolean) to <see cref="ResultCreated"/>.
/// </summary>
internal sealed class MediaTaskRow
{
    /// <summary>The columns a task is read from; the result's picture size and placeholder come from the blob itself, while it exists.</summary>
    public const string Select =
        "SELECT t.id AS Id, t.owner AS Owner, t.original_sha256 AS OriginalSha256, t.original_type AS OriginalType, t.status AS Status, " +
        "t.progress AS Progress, t.message AS Message, t.result_sha256 AS ResultSha256, t.result_size AS ResultSize, " +
        "t.result_type AS ResultType, t.result_uploaded AS ResultUploaded, t.result_created AS ResultCreated, t.created AS Created, t.updated AS Updated, " +
        "b.width AS ResultWidth, b.height AS ResultHeight, b.blurhash AS ResultBlurhash, " +
        "s.sha256 AS StreamingSha256, s.size AS StreamingSize, s.type AS StreamingType, s.uploaded AS StreamingUploaded " +
        "FROM media_tasks t LEFT JOIN blobs b ON b.sha256 = t.result_sha256 LEFT JOIN blobs s ON s.sha256 = t.streaming_sha256";

    /// <summary>The columns a task is written to, with their parameters.</summary>
    public const string Insert =
        "INSERT INTO media_tasks (id, owner, original_sha256, original_type, status, progress, message, result_sha256, result_size, result_type, result_uploaded, result_created, created, updated, streaming_sha256) " +
        "VALUES (@Id, @Owner, @OriginalSha256, @OriginalType, @Status, @Progress, @Message, @ResultSha256, @ResultSize, @ResultType, @ResultUploaded, @ResultCreated, @Created, @Updated, @StreamingSha256)";

    public string Id { get; init; } = "";
    public string? Owner { get; init; }
    public string OriginalSha256 { get; init; } = "";
    public string OriginalType { get; init; } = "";
    public string Status { get; init; } = "";
    public long Progress { get; init; }
    public string Message { get; init; } = "";
    public string? ResultSha256 { get; init; }
    public long? ResultSize { get; init; }
    public string? ResultType { get; init; }
    public long? ResultUploaded { get; init; }
    public bool ResultCreated { get; init; }
    public long Created { get; init; }
    public long Updated { get; init; }
    public long? ResultWidth { get; init; }
    public long? ResultHeight { get; init; }
    public string? ResultBlurhash { get; init; }
    public string? StreamingSha256 { get; init; }
    public long? StreamingSize { get; init; }
    public string? StreamingType { get; init; }
    public long? StreamingUploaded { get; init; }

    public static MediaTaskRow From(MediaTask t) => new()
    {
        Id = t.Id, Owner = t.Owner, OriginalSha256 = t.OriginalSha256, OriginalType = t.OriginalType,
        Status = t.Status.ToString().ToLowerInvariant(), Progress = t.Progress, Message = t.Message,
        ResultSha256 = t.Result?.Sha256, ResultSize = t.Result?.Size, ResultType = t.Result?.Type, ResultUploaded = t.Result?.Uploaded,
        ResultCreated = t.ResultCreated, Created = t.Created, Updated = t.Updated, StreamingSha256 = t.Streaming?.Sha256,
    };

    public MediaTask ToTask() => new(
        Id, Owner, OriginalSha256, OriginalType, Enum.Parse<MediaTaskStatus>(Status, ignoreCase: true), (int)Progress, Message,
        ResultSha256 is null ? null : new BlobRecord(ResultSha256, ResultSize!.Value, ResultType!, ResultUploaded!.Value, ResultWidth, ResultHeight, ResultBlurhash, OriginalSha256),
        ResultCreated, Created, Updated,
        StreamingSha256 is null ? null : new BlobRecord(StreamingSha256, StreamingSize!.Value, StreamingType!, StreamingUploaded!.Value, null, null, null, OriginalSha256));
}
