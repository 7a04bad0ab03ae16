using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Blossom.Core.Blobs;
using Microsoft.Extensions.Logging;

namespace Blossom.Core.Storage.S3;

/// <summary>
/// Blobs as objects <c>&lt;Prefix&gt;&lt;sha256&gt;</c> in an S3-compatible bucket. An upload is
/// received and hashed into a local temp file (which the inspection after the commit reads). When
/// its hash was announced, the parts go up to the blob's key while the body still arrives and the
/// multipart upload is completed only once the hash checks out; otherwise the file goes up on
/// commit, as one PUT or a multipart upload. Either way S3 shows the object only once it is
/// complete, so a crash leaves no torn blob, only a temp file or an unfinished multipart upload,
/// both removed at start-up.
/// </summary>
public sealed partial class S3BlobStore : IBlobStore, IBlobBucket, IDisposable
{
    /// <summary>Parts sent at once: enough to fill a link that one TCP stream does not, few enough not to crowd other requests.</summary>
    internal const int PartsInFlight = 4;

    /// <summary>S3 allows at most this many parts in one upload.</summary>
    private const int MaxParts = 10_000;

    /// <summary>
    /// Ranges all whole-blob reads may hold fetched ahead (<see cref="ReadAheadObjectStream.RangeBytes"/>
    /// each, 96 MiB in all): three readers at full pace; past that, reads stream range by range.
    /// </summary>
    private const int ReadAheadRanges = 12;

    /// <summary>
    /// Multipart uploads started longer ago were left by a process that died: another node may be
    /// uploading right now, and an upload streams for as long as its client takes to send the body.
    /// </summary>
    private static readonly TimeSpan StaleUploadAge = TimeSpan.FromDays(1);

    /// <summary>The SHA-256 of no bytes.</summary>
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private readonly S3StoreSettings _settings;
    private readonly string _temp;
    private readonly ILogger _logger;
    private readonly AmazonS3Client _client;
    private readonly SemaphoreSlim _readAhead = new(ReadAheadRanges);

    // Blobs whose upload is committed but not yet disposed: its temp file holds their bytes, so the
    // inspection that follows a commit reads it instead of downloading the object it just sent.
    private readonly Lock _sharedGate = new();
    private readonly Dictionary<string, SharedTemp> _shared = new(StringComparer.Ordinal);

    public S3BlobStore(S3StoreSettings settings, string tempFolder, ILogger<S3BlobStore> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _temp = Path.GetFullPath(tempFolder);
        _logger = logger;
        var config = new AmazonS3Config
        {
            ServiceURL = settings.Endpoint,
            ForcePathStyle = settings.ForcePathStyle,
            AuthenticationRegion = settings.Region,
            // Checksums only where S3 demands them: the SDK's default trailing checksums need
            // aws-chunked bodies, which several S3-compatible servers store verbatim as the object.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        _client = settings.AccessKey.Length == 0
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey), config);
    }

    public string KeyOf(string sha256)
    {
        if (!BlobHash.IsValid(sha256))
            throw new ArgumentException("Not a lowercase hex SHA-256.", nameof(sha256));
        return _settings.Prefix + sha256;
    }

    /// <summary>
    /// Checks the bucket answers and takes writes, removes temp files and multipart uploads that
    /// interrupted writes left; throws with the settings to check when the bucket is not usable.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_temp);
        // Any file here belongs to an upload or a download that died with an earlier process.
        foreach (var leftover in Directory.EnumerateFiles(_temp))
            File.Delete(leftover);
        try
        {
            await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _settings.Bucket }, cancellationToken);
            await CheckWritableAsync(cancellationToken);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw new InvalidOperationException(
                $"The S3 bucket '{_settings.Bucket}' at '{_settings.Endpoint}' cannot be used: {Describe(e)}. " +
                "Check Storage:S3:Endpoint, Storage:S3:Bucket (it must exist), Storage:S3:Region, Storage:S3:AccessKey, Storage:S3:SecretKey and Storage:S3:ForcePathStyle.", e);
        }
        await AbortStaleUploadsAsync(_settings.Prefix, key => BlobHash.IsValid(key[_settings.Prefix.Length..]), cancellationToken);
    }

    /// <summary>With <paramref name="expectedSha256"/>, the blob's key is known before its bytes, so they go up to it while they arrive.</summary>
    public Task<IPendingBlob> BeginWriteAsync(string? expectedSha256, CancellationToken cancellationToken)
    {
        var key = expectedSha256 is null ? null : KeyOf(expectedSha256);
        var path = NewTempPath();
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, FileOptions.None);
        return Task.FromResult<IPendingBlob>(new PendingUpload(this, path, handle, expectedSha256, key is null ? null : new GrowingFileUpload(this, key, path)));
    }

    public async Task<long?> LengthAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(_settings.Bucket, KeyOf(sha256), cancellationToken);
            return head.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// One ranged GET: a range never costs the whole object. A whole blob is asked for as its first
    /// <see cref="ReadAheadObjectStream.RangeBytes"/>, all of a small one; a larger one is read on as
    /// ranges fetched ahead, on several connections.
    /// </summary>
    public async Task<BlobContent?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } wanted)
            ArgumentOutOfRangeException.ThrowIfNegative(wanted, nameof(length));
        var whole = offset == 0 && length is null;
        // An empty blob, which its hash alone tells, has no first range to ask for: S3 refuses one,
        // and s3rver answers it with a byte it never sends.
        if (length is 0 || (whole && sha256 == EmptySha256))
            return await LengthAsync(sha256, cancellationToken) is { } total ? new BlobContent(Stream.Null, total) : null;
        var request = new GetObjectRequest { BucketName = _settings.Bucket, Key = KeyOf(sha256) };
        if (whole)
            request.ByteRange = new ByteRange(0, ReadAheadObjectStream.RangeBytes - 1);
        else
            request.ByteRange = length is { } count ? new ByteRange(offset, offset + count - 1) : new ByteRange($"bytes={offset}-");
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // An offset at or past the end: clipped, as an HTTP range is, that is no bytes.
            return await LengthAsync(sha256, cancellationToken) is { } total ? new BlobContent(Stream.Null, total) : null;
        }
        var objectLength = TotalLength(response);
        if (whole && objectLength > ReadAheadObjectStream.RangeBytes)
        {
            // Bounded, as below: the rest comes from the ranges read ahead.
            var first = new RangeStream(response.ResponseStream, ReadAheadObjectStream.RangeBytes);
            return new BlobContent(new ReadAheadObjectStream(this, request.Key, _readAhead, first, ReadAheadObjectStream.RangeBytes, objectLength), objectLength);
        }
        // Bounded too: some S3-compatible servers answer a range that ends at byte 0 with the whole rest.
        return new BlobContent(length is { } bound ? new RangeStream(response.ResponseStream, bound) : response.ResponseStream, objectLength);
    }

    /// <summary>
    /// The temp file of an upload of this blob still in progress, or else a copy in the temp folder,
    /// downloaded in full: the tools that need a file read all of it.
    /// </summary>
    public async Task<ILocalBlobFile?> GetLocalFileAsync(string sha256, CancellationToken cancellationToken)
    {
        lock (_sharedGate)
        {
            if (_shared.TryGetValue(sha256, out var shared))
            {
                shared.Users++;
                return new SharedFile(this, shared);
            }
        }
        if (await OpenReadAsync(sha256, 0, null, cancellationToken) is not { } content)
            return null;
        var path = Path.Combine(_temp, "download-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (content)
            {
                var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
                await using (target)
                    await content.Stream.CopyToAsync(target, 1024 * 1024, cancellationToken);
            }
            return new TemporaryFile(path);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public async Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        // S3 answers a delete of nothing with success, so only a look first tells the two apart.
        if (await LengthAsync(sha256, cancellationToken) is null)
            return false;
        // A deleted blob is no longer handed out from an upload's temp file; its users keep theirs.
        lock (_sharedGate)
            _shared.Remove(sha256);
        await _client.DeleteObjectAsync(_settings.Bucket, KeyOf(sha256), cancellationToken);
        return true;
    }

    /// <summary>Every blob in the bucket under the prefix, listed a page at a time.</summary>
    public async IAsyncEnumerable<StoredBlob> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The delimiter keeps keys in deeper "folders" (another store's prefix inside this one) out.
        var request = new ListObjectsV2Request { BucketName = _settings.Bucket, Prefix = _settings.Prefix, Delimiter = "/" };
        do
        {
            var page = await _client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                var sha256 = item.Key[_settings.Prefix.Length..];
                if (BlobHash.IsValid(sha256))
                    yield return new StoredBlob(sha256, item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime()) : DateTimeOffset.UnixEpoch);
            }
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
    }

    /// <summary>Writes and removes a probe object, proving the bucket takes writes now.</summary>
    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        var key = _settings.Prefix + "probe-" + Guid.NewGuid().ToString("N");
        await _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _settings.Bucket,
            Key = key,
            ContentBody = "probe",
            UseChunkEncoding = false,
        }, cancellationToken);
        await _client.DeleteObjectAsync(_settings.Bucket, key, cancellationToken);
    }

    public Task<string> PresignAsync(string sha256, string contentType, TimeSpan lifetime) =>
        _client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _settings.Bucket,
            Key = KeyOf(sha256),
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow.Add(lifetime),
            Protocol = _settings.Endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? Protocol.HTTP : Protocol.HTTPS,
            ResponseHeaderOverrides = new ResponseHeaderOverrides { ContentType = contentType },
        });

    public void Dispose()
    {
        _client.Dispose();
        _readAhead.Dispose();
    }

    /// <summary>The client and bucket, for what keeps other objects beside the blobs (under <see cref="S3StoreSettings.Prefix"/>).</summary>
    internal AmazonS3Client Client => _client;

    internal S3StoreSettings Settings => _settings;

    /// <summary>A new file name in the temp folder, which every start-up empties.</summary>
    internal string NewTempPath() => Path.Combine(_temp, Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of the
    /// object <paramref name="key"/>, one ranged GET; fewer when the object is shorter.
    /// </summary>
    internal async Task<Stream> OpenRangeAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        var response = await _client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = _settings.Bucket,
            Key = key,
            ByteRange = new ByteRange(offset, offset + length - 1),
        }, cancellationToken);
        // Bounded: some S3-compatible servers answer a range that ends at byte 0 with the whole rest.
        return new RangeStream(response.ResponseStream, length);
    }

    /// <summary>Sends a received file as the blob's object.</summary>
    private Task UploadAsync(string path, ReceivedBlob blob, CancellationToken cancellationToken) =>
        UploadFileAsync(path, KeyOf(blob.Sha256), blob.Size, cancellationToken);

    /// <summary>
    /// Sends the file at <paramref name="path"/> (<paramref name="size"/> bytes) as the object <paramref name="key"/>:
    /// one PUT, or a multipart upload when larger than a part.
    /// </summary>
    internal async Task UploadFileAsync(string path, string key, long size, CancellationToken cancellationToken)
    {
        if (size <= _settings.PartSizeBytes)
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _settings.Bucket,
                Key = key,
                FilePath = path,
                // Off, or some S3-compatible servers keep the aws-chunked framing as the object's bytes.
                UseChunkEncoding = false,
            }, cancellationToken);
            return;
        }

        var partSize = Math.Max(_settings.PartSizeBytes, (size + MaxParts - 1) / MaxParts);
        var parts = (int)((size + partSize - 1) / partSize);
        var upload = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _settings.Bucket, Key = key }, cancellationToken);
        try
        {
            var etags = new PartETag[parts];
            await Parallel.ForEachAsync(Enumerable.Range(1, parts), new ParallelOptions { MaxDegreeOfParallelism = PartsInFlight, CancellationToken = cancellationToken }, async (number, token) =>
            {
                var position = (number - 1) * partSize;
                var part = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _settings.Bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = number,
                    FilePath = path,
                    FilePosition = position,
                    PartSize = Math.Min(partSize, size - position),
                    UseChunkEncoding = false,
                }, token);
                etags[number - 1] = new PartETag(number, part.ETag);
            });
            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _settings.Bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartETags = [.. etags],
            }, cancellationToken);
        }
        catch
        {
            await AbortAsync(key, upload.UploadId);
            throw;
        }
    }

    /// <summary>Gives up an unfinished multipart upload, so its parts stop taking space.</summary>
    internal async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(_settings.Bucket, key, uploadId, CancellationToken.None);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            // The upload's own failure is what the caller needs; this one is left to the next start-up's sweep.
            LogAbortFailed(_logger, e, key, Describe(e));
        }
    }

    /// <summary>Aborts multipart uploads under <paramref name="prefix"/> of keys that are <paramref name="ours"/>, which a process that died left behind.</summary>
    internal async Task AbortStaleUploadsAsync(string prefix, Func<string, bool> ours, CancellationToken cancellationToken)
    {
        var before = DateTime.UtcNow - StaleUploadAge;
        var request = new ListMultipartUploadsRequest { BucketName = _settings.Bucket, Prefix = prefix };
        try
        {
            do
            {
                var page = await _client.ListMultipartUploadsAsync(request, cancellationToken);
                foreach (var upload in (page.MultipartUploads ?? []).Where(u => u.Initiated is { } started && started.ToUniversalTime() < before && ours(u.Key)))
                    await AbortAsync(upload.Key, upload.UploadId);
                (request.KeyMarker, request.UploadIdMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextUploadIdMarker) : (null, null);
            }
            while (request.KeyMarker is not null);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NotImplemented")
        {
            LogCannotListUploads(_logger, _settings.Bucket);
        }
    }

    private static long TotalLength(GetObjectResponse response)
    {
        // "bytes 0-99/1234": the total follows the slash.
        var range = response.ContentRange;
        return range is not null && range.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(range.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? total
            : response.ContentLength;
    }

    /// <summary>The status and S3 error code too: a HEAD's error has no body, and its message alone says little.</summary>
    private static string Describe(Exception e) => e is AmazonServiceException service
        ? $"HTTP {(int)service.StatusCode} {service.ErrorCode}: {service.Message.TrimEnd('.')}"
        : e.Message.TrimEnd('.');

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Could not abort the multipart upload of {Key}: {Problem}. A later start-up tries again.")]
    private static partial void LogAbortFailed(ILogger logger, Exception exception, string key, string problem);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "The S3 server of bucket {Bucket} cannot list multipart uploads, so those a crash left are not aborted here; a lifecycle rule (AbortIncompleteMultipartUpload) on the bucket removes them.")]
    private static partial void LogCannotListUploads(ILogger logger, string bucket);

    /// <summary>Hands out a committed upload's temp file as the blob's local file, unless one already is.</summary>
    private SharedTemp? Share(string sha256, string path)
    {
        lock (_sharedGate)
        {
            if (_shared.ContainsKey(sha256))
                return null;
            var shared = new SharedTemp(sha256, path);
            _shared.Add(sha256, shared);
            return shared;
        }
    }

    /// <summary>One user of a shared temp file is done; the last one removes it.</summary>
    private void Release(SharedTemp shared)
    {
        lock (_sharedGate)
        {
            if (--shared.Users > 0)
                return;
            if (_shared.TryGetValue(shared.Sha256, out var current) && current == shared)
                _shared.Remove(shared.Sha256);
        }
        File.Delete(shared.Path);
    }

    /// <summary>A committed upload's temp file and how many hold it (the upload itself counts one).</summary>
    private sealed class SharedTemp(string sha256, string path)
    {
        public string Sha256 { get; } = sha256;

        public string Path { get; } = path;

        public int Users { get; set; } = 1;
    }

    /// <summary>A shared temp file, released on dispose.</summary>
    private sealed class SharedFile(S3BlobStore store, SharedTemp shared) : ILocalBlobFile
    {
        private int _disposed;

        public string Path => shared.Path;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                store.Release(shared);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A downloaded copy, removed on dispose.</summary>
    private sealed class TemporaryFile(string path) : ILocalBlobFile
    {
        public string Path { get; } = path;

        public ValueTask DisposeAsync()
        {
            File.Delete(Path);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// An upload: bytes into a local temp file with their hash, and into the bucket as they arrive
    /// (<paramref name="streamed"/>, when the hash was announced) or on commit.
    /// </summary>
    private sealed class PendingUpload(S3BlobStore store, string tempPath, Microsoft.Win32.SafeHandles.SafeFileHandle handle, string? expectedSha256, GrowingFileUpload? streamed) : IPendingBlob
    {
        private ReceivedBlob? _received;
        private SharedTemp? _shared;

        public async Task<ReceivedBlob> ReceiveAsync(Stream source, long maxLength, CancellationToken cancellationToken)
        {
            if (_received is not null)
                throw new InvalidOperationException("A pending blob receives its bytes once.");
            // Not flushed: the temp file is read back at once and the bucket keeps the durable copy.
            _received = await HashingFileWriter.WriteAsync(handle, source, maxLength, flushToDisk: false, streamed is null ? null : streamed.Written, cancellationToken);
            return _received;
        }

        public async Task<bool> CommitAsync(CancellationToken cancellationToken)
        {
            var received = _received ?? throw new InvalidOperationException("Nothing was received.");
            received.ThrowUnlessHashIs(expectedSha256);
            handle.Dispose();
            // Commits of one hash are serialized by the caller, so a look first is enough to tell a new
            // blob; a streamed upload of one already there is aborted on dispose.
            if (await store.LengthAsync(received.Sha256, cancellationToken) is not null)
                return false;
            if (streamed is { Started: true })
                await streamed.CompleteAsync(received.Size, cancellationToken);
            else
                await store.UploadAsync(tempPath, received, cancellationToken);
            _shared = store.Share(received.Sha256, tempPath);
            return true;
        }

        public async ValueTask DisposeAsync()
        {
            // First: its parts read the temp file.
            if (streamed is not null)
                await streamed.DisposeAsync();
            handle.Dispose();
            if (_shared is { } shared)
                store.Release(shared);
            else
                File.Delete(tempPath);
            _shared = null;
        }
    }
}
