using System.Net;
using Blossom.Core.Federation;
using Blossom.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Blossom.Tests.Matrix;

/// <summary>
/// Federation media on a bucket whose blob GETs redirect there: the second part of the answer is a
/// <c>Location</c> (presigned), which the fetching server follows through its outbound guard.
/// </summary>
[Collection(S3Group.Name)]
public sealed class MatrixFederationS3Tests(S3Server s3)
{
    [Fact]
    public async Task FederationDownload_BucketRedirects_SecondPartIsTheLocation_TheFetchingServerFollowsIt()
    {
        var bucket = await s3.CreateBucketAsync();
        var onBucket = s3.Settings(bucket, prefix: "blobs/");
        onBucket["Blossom:Storage:S3:Redirect"] = "Presigned";
        // The bucket is on loopback here; on the internet it is a public address.
        await using var servers = await FederatedServers.StartAsync(a: new() { ["Blossom:Mirror:AllowPrivateNetworks"] = "true" }, b: onBucket);
        var data = BlossomRequests.RandomBlob(BlossomRequests.StoredAsFileBytes);
        var mxc = await servers.B.Client.UploadAsync(servers.HomeB.Login("@alice:b.test"), data, "application/pdf");
        var route = $"/_matrix/federation/v1/media/download/{mxc.Split('/')[^1]}";
        using var signed = new HttpRequestMessage(HttpMethod.Get, route);
        signed.Headers.TryAddWithoutValidation("Authorization", XMatrixAuthorization.Create("GET", route, "a.test", "b.test", null, servers.HomeA.SigningKey));

        using var response = await servers.B.Client.SendAsync(signed);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var boundary = response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!.Trim('"');
        var reader = new MultipartReader(boundary, await response.Content.ReadAsStreamAsync());
        (await reader.ReadNextSectionAsync())!.ContentType.Should().Be("application/json");
        var part = (await reader.ReadNextSectionAsync())!;
        var location = new Uri(part.Headers!["Location"].ToString());
        location.GetLeftPart(UriPartial.Authority).Should().Be(s3.Endpoint);
        using var http = new HttpClient();
        (await http.GetByteArrayAsync(location)).Should().Equal(data);

        using var download = await servers.A.Client.GetAsync($"/_matrix/media/v3/download/{MatrixRequests.PathOf(mxc)}");
        download.StatusCode.Should().Be(HttpStatusCode.OK, await download.Content.ReadAsStringAsync());
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(data);
        download.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
    }
}
