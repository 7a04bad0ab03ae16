namespace Blossom.Core.Blobs;

/// <summary>Files a tool made (an optimized video, a preview) received as blobs.</summary>
public static class PendingBlobFiles
{
    /// <summary>Receives the whole file at <paramref name="path"/>; the tool's output has no size limit of its own.</summary>
    public static async Task<ReceivedBlob> ReceiveFileAsync(this IPendingBlob pending, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var file = File.OpenRead(path);
        await using (file)
            return await pending.ReceiveAsync(file, long.MaxValue, cancellationToken);
    }
}
