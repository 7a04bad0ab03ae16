using Amazon.S3.Model;

namespace Blossom.Core.Storage.S3;

/// <summary>
/// A multipart upload of a file while it is still being written, so the bucket receives a blob
/// while its body arrives instead of after it. Each part goes up once the file holds it and at
/// least a byte more (a file of one part never becomes a multipart upload), read back from the
/// file, which the page cache still holds, rather than kept in memory; at most
/// <see cref="S3BlobStore.PartsInFlight"/> parts are on the wire. The object appears only on
/// <see cref="CompleteAsync"/>, which the caller reaches only once the hash checks out; disposing
/// before that aborts the upload, so a refused or failed write leaves no parts behind.
/// </summary>
internal sealed class GrowingFileUpload(S3BlobStore store, string key, string path) : IAsyncDisposable
{
    /// <summary>Parts grow by a part size every this many, so 10,000 parts (S3's limit) hold 55,000 parts' worth.</summary>
    private const int PartsPerGrowth = 1000;

    private readonly CancellationTokenSource _abandon = new();
    private readonly SemaphoreSlim _inFlight = new(S3BlobStore.PartsInFlight);
    private readonly List<Task<PartETag>> _parts = [];
    private Task<InitiateMultipartUploadResponse>? _initiated;
    private long _sent;
    private bool _completed;
    private bool _disposed;

    /// <summary>Whether a part went up: false while the file fits in one part, which a single PUT sends.</summary>
    public bool Started => _initiated is not null;

    /// <summary>The file holds <paramref name="length"/> bytes now: starts the parts they complete; throws what failed an earlier part.</summary>
    public void Written(long length)
    {
        foreach (var part in _parts.Where(p => p.IsFaulted))
            part.GetAwaiter().GetResult();
        while (length - _sent > PartSize(_parts.Count + 1))
            Send(PartSize(_parts.Count + 1));
    }

    /// <summary>Sends the rest of the file, <paramref name="length"/> bytes in all, as the last part, and makes the object.</summary>
    public async Task CompleteAsync(long length, CancellationToken cancellationToken)
    {
        if (_initiated is null)
            throw new InvalidOperationException("Nothing was sent: a file of one part goes up as one PUT.");
        if (length > _sent)
            Send(length - _sent);
        var uploadId = (await _initiated).UploadId;
        var parts = await Task.WhenAll(_parts);
        await store.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = store.Settings.Bucket,
            Key = key,
            UploadId = uploadId,
            PartETags = [.. parts],
        }, cancellationToken);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_completed && _initiated is not null)
        {
            await _abandon.CancelAsync();
            // The parts stop first: one that lands after the abort would outlive it on some servers.
            await Task.WhenAll((IEnumerable<Task>)_parts).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await ((Task)_initiated).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_initiated.IsCompletedSuccessfully)
                await store.AbortAsync(key, _initiated.Result.UploadId);
        }
        _abandon.Dispose();
        _inFlight.Dispose();
    }

    private long PartSize(int number) => store.Settings.PartSizeBytes * (1 + ((number - 1) / PartsPerGrowth));

    private void Send(long size)
    {
        // Not cancellable: an upload started but never answered would be left for the start-up sweep.
        _initiated ??= store.Client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = store.Settings.Bucket, Key = key }, CancellationToken.None);
        _parts.Add(SendPartAsync(_parts.Count + 1, _sent, size));
        _sent += size;
    }

    private async Task<PartETag> SendPartAsync(int number, long position, long size)
    {
        var uploadId = (await _initiated!).UploadId;
        await _inFlight.WaitAsync(_abandon.Token);
        try
        {
            var part = await store.Client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = store.Settings.Bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = number,
                FilePath = path,
                FilePosition = position,
                PartSize = size,
                // Off, or some S3-compatible servers keep the aws-chunked framing as the part's bytes.
                UseChunkEncoding = false,
            }, _abandon.Token);
            return new PartETag(number, part.ETag);
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
