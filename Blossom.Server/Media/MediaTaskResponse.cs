using System.Text.Json.Serialization;
using Blossom.Core.Media;

namespace Blossom.Server;

/// <summary>
/// The task object of the seed BUD-05: <c>blob</c> is set when the task is complete. A video made
/// with an HLS ladder also names its master playlist: <c>streaming</c>, the playlist's descriptor,
/// and a NIP-94 <c>["streaming", url]</c> tag in <c>blob</c>, so a client that reads only the tags finds it too.
/// </summary>
public sealed record MediaTaskResponse(
    string Id,
    string Status,
    int Progress,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BlobDescriptor? Blob,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BlobDescriptor? Streaming = null)
{
    public static MediaTaskResponse From(MediaTask task, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(task);
        var complete = task.Status == MediaTaskStatus.Complete;
        var streaming = complete && task.Streaming is { } master ? BlobDescriptor.From(master, baseUrl) : null;
        var blob = complete && task.Result is { } result ? BlobDescriptor.From(result, baseUrl) : null;
        if (blob is not null && streaming is not null)
            blob = blob with { Nip94 = [.. blob.Nip94 ?? [], ["streaming", streaming.Url]] };
        return new(task.Id, task.Status.ToString().ToLowerInvariant(), task.Progress, task.Message, blob, streaming);
    }
}

/// <summary>
/// A task that completed while <c>PUT /media</c> held the request: the seed's task object whose top
/// level also carries the result's descriptor fields (no name is in both), so a task-based client
/// and one written for the synchronous BUD-05 each read what they expect from the same answer.
/// </summary>
public sealed record CompletedMediaTaskResponse(
    string Id,
    string Status,
    int Progress,
    string Message,
    BlobDescriptor Blob,
    string Url,
    string Sha256,
    long Size,
    string Type,
    long Uploaded,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<IReadOnlyList<string>>? Nip94,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BlobDescriptor? Streaming)
{
    public static CompletedMediaTaskResponse From(MediaTaskResponse task, BlobDescriptor blob)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(blob);
        return new(task.Id, task.Status, task.Progress, task.Message, blob, blob.Url, blob.Sha256, blob.Size, blob.Type, blob.Uploaded, blob.Nip94, task.Streaming);
    }
}

/// <summary>
/// The RFC 7240 <c>Prefer</c> header as <c>PUT /media</c> reads it: <c>respond-async</c> forces a
/// task, <c>wait=N</c> asks for the result if it is ready within N seconds.
/// </summary>
internal readonly record struct MediaPreference(bool RespondAsync, TimeSpan? Wait)
{
    public const string HeaderName = "Prefer";
    public const string AppliedHeaderName = "Preference-Applied";

    /// <summary>
    /// A whole, non-negative number of seconds, at most <paramref name="max"/>: a larger one, even
    /// one no clock can hold, means the longest wait offered. Null when it is no such number.
    /// </summary>
    public static TimeSpan? Seconds(string? value, TimeSpan max)
    {
        if (string.IsNullOrEmpty(value) || !value.All(char.IsAsciiDigit))
            return null;
        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && seconds < max.TotalSeconds
                ? TimeSpan.FromSeconds(seconds)
                : max;
    }

    /// <summary>Reads the preferences; a <c>wait</c> above <paramref name="maxWait"/> is capped, one that is not a number ignored.</summary>
    public static MediaPreference Parse(HttpRequest request, TimeSpan maxWait)
    {
        ArgumentNullException.ThrowIfNull(request);
        var respondAsync = false;
        TimeSpan? wait = null;
        // Several headers or comma-separated preferences; a preference's own parameters follow ';'.
        foreach (var preference in request.Headers[HeaderName].SelectMany(h => (h ?? "").Split(',')))
        {
            var token = preference.Split(';', 2)[0].Trim();
            var (name, value) = token.Split('=', 2) is [var n, var v] ? (n.Trim(), v.Trim().Trim('"')) : (token, "");
            if (name.Equals("respond-async", StringComparison.OrdinalIgnoreCase))
                respondAsync = true;
            else if (name.Equals("wait", StringComparison.OrdinalIgnoreCase) && Seconds(value, maxWait) is { } seconds)
                wait = seconds;
        }
        return new MediaPreference(respondAsync, wait);
    }
}
