using System.Net;
using Blossom.Core.Auth;
using Blossom.Tests.Infrastructure;

namespace Blossom.Tests.Endpoints;

/// <summary>
/// Small blobs' bytes are held in memory for GETs: two server processes on one PostgreSQL
/// database and one S3 bucket, where a blob one node deletes is gone on the other at once.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class RetrievalTwoNodeTests(PostgresServer postgres, S3Server s3) : IDisposable
{
    private readonly NostrSigner _alice = new();
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-nodes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Get_SmallBlobServedOnBothNodesThenDeletedOnOne_404OnBoth()
    {
        var database = await postgres.CreateDatabaseAsync();
        var bucket = await s3.CreateBucketAsync();
        using var a = await StartNodeAsync("a", database, bucket);
        using var b = await StartNodeAsync("b", database, bucket);
        var data = BlossomRequests.RandomBlob(3000);
        var blob = await a.Client.UploadAsync(_alice, data);
        foreach (var node in new[] { a, b, a, b })
            (await node.Client.GetByteArrayAsync($"/{blob.Sha256}")).Should().Equal(data);

        using var delete = await a.Client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/{blob.Sha256}")
            .WithToken(_alice.Token(AuthorizationVerb.Delete, [blob.Sha256])));
        using var onB = await b.Client.GetAsync($"/{blob.Sha256}");
        using var onA = await a.Client.GetAsync($"/{blob.Sha256}");

        delete.StatusCode.Should().Be(HttpStatusCode.NoContent, a.Output);
        onB.StatusCode.Should().Be(HttpStatusCode.NotFound, b.Output);
        onA.StatusCode.Should().Be(HttpStatusCode.NotFound, a.Output);
    }

    private Task<ServerProcess> StartNodeAsync(string name, string database, string bucket) => ServerProcess.StartNodeAsync(_root, name, s3, bucket, database);
}
