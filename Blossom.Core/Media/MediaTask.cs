using Blossom.Core.Blobs;

namespace Blossom.Core.Media;

/// <summary>The only states a task ever has (seed BUD-05); a failure ends <see cref="Canceled"/> with a message.</summary>
public enum MediaTaskStatus
{
    Running,
    Complete,
    Canceled,
}

/// <summary>One <c>PUT /media</c> request's long-running optimization.</summary>
/// <param name="Id">Random and unguessable: <c>GET /media/&lt;id&gt;</c> needs no token.</param>
/// <param name="Owner">The uploader's pubkey, who owns the result and may cancel; null when anonymous.</param>
/// <param name="OriginalSha256">The hash of the uploaded original.</param>
/// <param name="OriginalType">The original's declared MIME type.</param>
/// <param name="Status">Running until it ends complete or canceled.</param>
/// <param name="Progress">0 to 100.</param>
/// <param name="Message">What is happening, or why the task was canceled, in words a person understands.</param>
/// <param name="Result">The optimized blob, when complete.</param>
/// <param name="ResultCreated">Whether the result blob was new to the store when this task completed.</param>
/// <param name="Created">Unix seconds of the request.</param>
/// <param name="Updated">Unix seconds of the last change.</param>
/// <param name="Streaming">The master playlist of the result's HLS ladder, when one was made and is still stored.</param>
public sealed record MediaTask(
    string Id,
    string? Owner,
    string OriginalSha256,
    string OriginalType,
    MediaTaskStatus Status,
    int Progress,
    string Message,
    BlobRecord? Result,
    bool ResultCreated,
    long Created,
    long Updated,
    BlobRecord? Streaming = null)
{
    public bool IsRunning => Status == MediaTaskStatus.Running;
}
