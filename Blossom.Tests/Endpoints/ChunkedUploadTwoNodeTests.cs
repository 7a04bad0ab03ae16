using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Blossom.Core.Auth;
using Blossom.Server;
using Blossom.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Blossom.Tests.Endpoints;

/// <summary>
/// A chunked upload (BUD-14) behind a load balancer: two server processes on one PostgreSQL
/// database and one S3 bucket take turns receiving the chunks of one blob, and the one that receives
/// the last chunk builds the blob from chunks the other stored.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class ChunkedUploadTwoNodeTests(PostgresServer postgres, S3Server s3) : IDisposable
{
    private const int ChunkBytes = 512 * 1024;
    private const string Type = "application/pdf";

    private readonly NostrSigner _alice = new();
    private readonly string _root = Directory.CreateTempSubdirectory("blossom-nodes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Chunks_AlternatelyOnTwoNodes_TheLastNodeCreatesTheBlobBothServeIt_NothingPartialLeft()
    {
        var database = await postgres.CreateDatabaseAsync();
        var bucket = await s3.CreateBucketAsync();
        using var a = await StartNodeAsync("a", database, bucket);
        using var b = await StartNodeAsync("b", database, bucket);
        // Six chunks, the last one short: a, b, a, b, a, then b receives the last.
        var data = BlossomRequests.RandomBlob(ChunkBytes * 6 - 1000);
        var hash = BlossomRequests.Sha256(data);
        var token = _alice.Token(AuthorizationVerb.Upload, [hash]);
        var nodes = new[] { a, b };

        var answers = new List<HttpResponseMessage>();
        for (var offset = 0; offset < data.Length; offset += ChunkBytes)
        {
            var node = nodes[offset / ChunkBytes % 2];
            answers.Add(await node.Client.SendAsync(Chunk(hash, data, offset, Math.Min(ChunkBytes, data.Length - offset), token)));
            if (offset == ChunkBytes * 2)
            {
                // Halfway, the other node tells the uploader what both have stored.
                using var head = await b.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/{hash}").WithToken(token));
                head.StatusCode.Should().Be(HttpStatusCode.NotFound, "the blob is not complete");
                head.Headers.GetValues("Upload-Offset").Should().Equal((ChunkBytes * 3).ToString(CultureInfo.InvariantCulture));
            }
        }

        answers[..^1].Select(r => r.StatusCode).Should().AllBeEquivalentTo(HttpStatusCode.NoContent, string.Join('\n', answers.Select(r => r.Reason())));
        var last = answers[^1];
        last.StatusCode.Should().Be(HttpStatusCode.Created, last.Reason() + a.Output + b.Output);
        var descriptor = (await last.Content.ReadFromJsonAsync<BlobDescriptor>())!;
        (descriptor.Sha256, descriptor.Size, descriptor.Type).Should().Be((hash, data.Length, Type));
        (await a.Client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
        (await b.Client.GetByteArrayAsync($"/{hash}")).Should().Equal(data);
        (await a.Client.GetFromJsonAsync<BlobDescriptor[]>($"/list/{_alice.Pubkey}")).Should().ContainSingle().Which.Sha256.Should().Be(hash);
        (await ChunkedUploadRowsAsync(database)).Should().Be((0L, 0L), "the completed upload's state is gone");
        (await s3.KeysAsync(bucket)).Should().Equal([hash], "the chunk objects are gone; the blob stays");
        foreach (var answer in answers)
            answer.Dispose();
    }

    /// <summary>A node with its own work and temp folders, sharing the database and the bucket with the other.</summary>
    private Task<ServerProcess> StartNodeAsync(string name, string database, string bucket) => ServerProcess.StartNodeAsync(_root, name, s3, bucket, database);

    private static HttpRequestMessage Chunk(string hash, byte[] data, int offset, int length, NostrEvent token)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/{hash}") { Content = new ByteArrayContent(data, offset, length) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("Upload-Type", Type);
        request.Headers.Add("Upload-Length", data.Length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        return request.WithToken(token);
    }

    private static async Task<(long Uploads, long Chunks)> ChunkedUploadRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        return await connection.QuerySingleAsync<(long, long)>("SELECT (SELECT count(*) FROM partial_uploads), (SELECT count(*) FROM partial_upload_chunks)");
    }
}
