using System.Security.Cryptography;
using Blossom.Core.Media;
using Blossom.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Blossom.Tests.Media;

/// <summary>A node's media-job leases carry its <c>Node:Name</c>, so an operator can tell which node holds a job.</summary>
[Collection(PostgresTestGroup.Name)]
public sealed class MediaLeaseOwnerTests(PostgresServer postgres)
{
    [Fact]
    public async Task Claim_OnANamedNode_LeasedInItsNameAndProcess()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        // A web-only node: its own worker takes nothing, so the claim below is the only one.
        using var app = new BlossomApplication(new Dictionary<string, string?>
        {
            ["Blossom:Database:Provider"] = "Postgres",
            ["Blossom:Database:ConnectionString"] = connectionString,
            ["Blossom:Node:Name"] = "media-node-7",
            ["Blossom:Media:Workers"] = "0",
        });
        app.Start();
        var queue = app.Services.GetRequiredService<IMediaJobQueue>();
        var job = new MediaJob(Guid.NewGuid(), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), "video/mp4", MediaKind.Video);
        await using (await queue.LockAsync(CancellationToken.None))
            (await queue.TryEnqueueAsync(job, CancellationToken.None)).Should().BeTrue();

        await using var claim = await queue.ClaimAsync(CancellationToken.None);

        claim.Job.Should().Be(job);
        await using var database = new NpgsqlConnection(connectionString);
        (await database.QuerySingleAsync<string>("SELECT leased_by FROM media_jobs WHERE job_id = @id", new { id = job.JobId }))
            .Should().Be($"media-node-7:{Environment.ProcessId}");
    }
}
