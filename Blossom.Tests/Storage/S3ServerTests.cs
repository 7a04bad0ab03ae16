using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Blossom.Core.Auth;
using Blossom.Core.Storage.S3;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Blossom.Tests.Media;

namespace Blossom.Tests.Storage;

/// <summary>The server with <c>Storage:Kind=S3</c>: what a client sees is what it sees on the file system.</summary>
[Collection(S3Group.Name)]
public sealed class S3ServerTests(S3Server s3)
{
    private readonly NostrSigner _alice = new();

    /// <summary>The server on <paramref name="bucket"/>, blobs under the prefix <c>blobs/</c>.</summary>
    private BlossomApplication Server(string bucket, params (string Key, string Value)[] more)
    {
        var settings = s3.Settings(bucket, prefix: "blobs/");
        foreach (var (key, value) in more)
            settings[key] = value;
        return new BlossomApplication(settings);
    }

    [Fact]
    public async Task Blob_UploadGetRangeHeadListDelete_AsOnTheFileSystem()
    {
        var bucket = await s3.CreateBucketAsync();
        using var app = Server(bucket);
        var client = app.Start();
        // Above the size read into memory whole, so GET streams from the bucket.
        var data = BlossomRequests.RandomBlob(200_000);

        var blob = await client.UploadAsync(_alice, data, "image/png");

        (await s3.ReadAsync(bucket, "blobs/" + blob.Sha256)).Should().Equal(data);
        (await client.GetByteArrayAsync($"/{blob.Sha256}.png")).Should().Equal(data);

        using var range = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}") { Headers = { Range = new RangeHeaderValue(150_000, 150_999) } });
        range.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        range.Content.Headers.ContentRange!.ToString().Should().Be($"bytes 150000-150999/{data.Length}");
        (await range.Content.ReadAsByteArrayAsync()).Should().Equal(data[150_000..151_000]);

        using var tail = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}") { Headers = { Range = new RangeHeaderValue(null, 10) } });
        (await tail.Content.ReadAsByteArrayAsync()).Should().Equal(data[^10..]);

        using var beyond = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}") { Headers = { Range = new RangeHeaderValue(data.Length, null) } });
        beyond.StatusCode.Should().Be(HttpStatusCode.RequestedRangeNotSatisfiable);
        beyond.Reason().Should().Be($"Range not satisfiable: the blob is {data.Length} bytes");

        using var cached = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}") { Headers = { IfNoneMatch = { new EntityTagHeaderValue($"\"{blob.Sha256}\"") } } });
        cached.StatusCode.Should().Be(HttpStatusCode.NotModified);

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{blob.Sha256}"));
        head.StatusCode.Should().Be(HttpStatusCode.OK);
        head.Content.Headers.ContentLength.Should().Be(data.Length);
        head.Content.Headers.ContentType!.MediaType.Should().Be("image/png");

        (await client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}"))!.Single().Sha256.Should().Be(blob.Sha256);

        using var delete = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}").WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256])));
        delete.StatusCode.Should().Be(HttpStatusCode.NoContent, delete.Reason());
        (await client.GetAsync($"/{blob.Sha256}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await s3.KeysAsync(bucket)).Should().BeEmpty();
    }

    [Fact]
    public async Task Upload_LargerThanTwoParts_GetReturnsExactlyTheBytes()
    {
        var bucket = await s3.CreateBucketAsync();
        using var app = Server(bucket, ("Blossom:Storage:S3:PartSizeBytes", S3StoreSettings.MinPartSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var client = app.Start();
        var data = BlossomRequests.RandomBlob((int)(2 * S3StoreSettings.MinPartSizeBytes) + 777);

        var blob = await client.UploadAsync(_alice, data);

        (await client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);
        (await s3.ReadAsync(bucket, "blobs/" + blob.Sha256)).Should().Equal(data);
    }

    [Fact]
    public async Task Mirror_FromAnotherServer_StoredInTheBucket()
    {
        using var origin = new BlossomApplication();
        var originClient = origin.Start();
        var data = BlossomRequests.RandomBlob(80_000);
        var source = await originClient.UploadAsync(new NostrSigner(), data, "image/jpeg");
        var bucket = await s3.CreateBucketAsync();
        using var app = Server(bucket, ("Blossom:Mirror:AllowPrivateNetworks", "true"));
        var client = app.Start();

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/mirror")
        {
            Content = new StringContent($"{{\"url\":\"{source.Url}\"}}", Encoding.UTF8, "application/json"),
        }.WithToken(_alice.Token(AuthorizationVerb.Upload, [source.Sha256])));

        response.StatusCode.Should().Be(HttpStatusCode.Created, response.Reason());
        (await s3.ReadAsync(bucket, "blobs/" + source.Sha256)).Should().Equal(data);
        (await client.GetByteArrayAsync($"/{source.Sha256}")).Should().Equal(data);
    }

    [Fact]
    public async Task Media_Image_OptimizedResultServedFromTheBucket()
    {
        var bucket = await s3.CreateBucketAsync();
        // The optimized picture is small: kept in the bucket only with small blobs off.
        using var app = Server(bucket, ("Blossom:Storage:SmallBlobMaxBytes", "0"));
        var client = app.Start();

        var task = await client.WaitForEndAsync((await client.SubmitAsync(_alice, MediaSamples.PhoneJpeg(), "image/jpeg")).Id);

        task.Status.Should().Be("complete", task.Message);
        var result = task.Blob!;
        result.Type.Should().Be("image/webp");
        var served = await client.GetByteArrayAsync($"/{result.Sha256}");
        BlossomRequests.Sha256(served).Should().Be(result.Sha256);
        (await s3.KeysAsync(bucket)).Should().Contain("blobs/" + result.Sha256);
    }

    [Fact]
    public async Task Get_PresignedRedirect_307ToAUrlThatServesTheBytes()
    {
        var bucket = await s3.CreateBucketAsync();
        using var app = Server(bucket, ("Blossom:Storage:S3:Redirect", "Presigned"));
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes);
        var blob = await client.UploadAsync(_alice, data, "image/png");
        using var noFollow = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

        using var response = await noFollow.GetAsync($"/{blob.Sha256}.png");

        response.StatusCode.Should().Be(HttpStatusCode.TemporaryRedirect);
        var location = response.Headers.Location!;
        location.GetLeftPart(UriPartial.Authority).Should().Be(s3.Endpoint);
        using var fromBucket = await noFollow.GetAsync(location);
        fromBucket.StatusCode.Should().Be(HttpStatusCode.OK);
        fromBucket.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        (await fromBucket.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        (await noFollow.GetAsync($"/{new string('0', 64)}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Get_PresignedRedirectSmallBlob_BytesFromHereAsTheBucketHasNoObject()
    {
        var bucket = await s3.CreateBucketAsync();
        using var app = Server(bucket, ("Blossom:Storage:S3:Redirect", "Presigned"));
        var client = app.Start();
        var data = BlossomRequests.RandomBlob(1000);
        var blob = await client.UploadAsync(_alice, data, "image/png");
        using var noFollow = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

        using var response = await noFollow.GetAsync($"/{blob.Sha256}.png");
        using var range = new HttpRequestMessage(HttpMethod.Get, $"/{blob.Sha256}");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(10, 19);
        using var part = await noFollow.SendAsync(range);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/png");
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        part.StatusCode.Should().Be(HttpStatusCode.PartialContent);
        (await part.Content.ReadAsByteArrayAsync()).Should().Equal(data[10..20]);
    }

    [Fact]
    public async Task Get_PublicUrlSet_307ToThePublicUrlOfTheObject()
    {
        var bucket = await s3.CreateBucketAsync();
        using var app = Server(bucket, ("Blossom:Storage:S3:PublicUrl", "https://cdn.example.com/media/"));
        var client = app.Start();
        var blob = await client.UploadAsync(_alice, BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes));
        using var noFollow = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

        using var response = await noFollow.GetAsync($"/{blob.Sha256}");

        response.StatusCode.Should().Be(HttpStatusCode.TemporaryRedirect);
        response.Headers.Location.Should().Be(new Uri($"https://cdn.example.com/media/blobs/{blob.Sha256}"));
    }

    [Fact]
    public async Task Start_S3ServerCannotListMultipartUploads_WarnsToAddALifecycleRule()
    {
        var bucket = await s3.CreateBucketAsync();
        using var app = Server(bucket);

        app.Start();

        // s3rver has no ListMultipartUploads: what a crash left there is the bucket's to expire.
        app.Logs.Entries.Should().Contain(e => e.Category == typeof(S3BlobStore).FullName && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && e.EventId.Id == 4002 && e.Value("Bucket") == bucket);
    }

    [Fact]
    public async Task Start_BucketMissing_FailsNamingTheSettings()
    {
        var settings = s3.Settings("no-such-bucket");
        using var app = new BlossomApplication(settings);

        var start = () => app.Start();

        start.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("'no-such-bucket'").And.Contain("Storage:S3:Bucket");
    }
}
