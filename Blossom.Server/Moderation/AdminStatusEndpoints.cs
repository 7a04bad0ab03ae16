// The operator API's view of the server's state: what each owner stores, what the storage holds and
// has left, and what the media queue is working on. Read-only; under /admin with the same t=admin tokens.
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Matrix;
using Blossom.Core.Media;
using Blossom.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static class AdminStatusEndpoints
{
    private const int MaxPage = 1000;

    public static RouteGroupBuilder MapAdminStatusEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup();
        group.MapGet("/usage", ListUsageAsync).WithName("AdminUsage")
            .WithSummary("Bytes and blob count per owner (pubkey or Matrix user id), by owner id; ?cursor=<owner>&limit=N.");
        group.MapGet("/storage", StorageAsync).WithName("AdminStorage")
            .WithSummary("Stored blobs and bytes, free disk of the blob folder (null on S3), chunked uploads under way, the Matrix remote media cache.");
        group.MapGet("/media", MediaQueueAsync).WithName("AdminMedia")
            .WithSummary("The media queue: jobs waiting for a worker, its capacity, and every running task with its progress.");
        return group;
    }

    /// <summary>
    /// Ordered by owner id rather than largest first: the page walks the usage table's key, so each page
    /// costs its own rows, and a cursor stays valid while uploads change the totals between pages
    /// (a largest-first cursor would skip or repeat owners whose bytes moved past it).
    /// </summary>
    internal static async Task<Ok<IReadOnlyList<OwnerUsage>>> ListUsageAsync(string? cursor, int? limit, IBlobIndex index, CancellationToken cancellationToken) =>
        TypedResults.Ok(await index.OwnerUsagesAsync(cursor, Math.Clamp(limit ?? 100, 1, MaxPage), cancellationToken));

    internal static async Task<Ok<AdminStorage>> StorageAsync(
        IBlobIndex index, IChunkedUploadIndex partialUploads, IMatrixRemoteMediaIndex remoteMedia, IOptions<MatrixOptions> matrix,
        [FromServices] IBlobFolder? folder, CancellationToken cancellationToken)
    {
        var blobs = await index.TotalsAsync(cancellationToken);
        var partial = await partialUploads.TotalsAsync(cancellationToken);
        AdminRemoteMediaTotals? remote = null;
        if (matrix.Value.Enabled)
        {
            var (count, bytes) = await remoteMedia.TotalsAsync(cancellationToken);
            remote = new(count, bytes);
        }
        return TypedResults.Ok(new AdminStorage(blobs.Count, blobs.Bytes, folder?.FreeBytes(), partial.Count, partial.DeclaredBytes, remote));
    }

    internal static async Task<Ok<AdminMediaJobs>> MediaQueueAsync(IMediaJobQueue queue, IMediaTaskStore tasks, CancellationToken cancellationToken)
    {
        var waiting = await queue.CountWaitingAsync(cancellationToken);
        var running = await tasks.RunningAsync(cancellationToken);
        return TypedResults.Ok(new AdminMediaJobs(waiting, queue.Capacity, [.. running.Select(AdminMediaTask.From)]));
    }
}

/// <summary>What the storage holds and has left.</summary>
/// <param name="Blobs">Stored blobs, each counted once however many owners it has.</param>
/// <param name="StoredBytes">Their bytes.</param>
/// <param name="FreeBytes">Free space of the volume of <c>Storage:Path</c>; null on S3, whose bucket has no such figure.</param>
/// <param name="PartialUploads">Chunked uploads under way.</param>
/// <param name="PartialUploadBytes">The bytes they declared, held of their owners' quotas.</param>
/// <param name="MatrixRemoteMedia">The cache of other Matrix servers' media; null when Matrix is off.</param>
public sealed record AdminStorage(long Blobs, long StoredBytes, long? FreeBytes, long PartialUploads, long PartialUploadBytes, AdminRemoteMediaTotals? MatrixRemoteMedia);

/// <summary>The Matrix remote media cache's size.</summary>
public sealed record AdminRemoteMediaTotals(long Media, long Bytes);

/// <summary>The media queue as the operator sees it.</summary>
/// <param name="Waiting">Jobs no worker holds yet (each serves every task of one original).</param>
/// <param name="Capacity">Jobs that may wait before new media requests are refused with 503.</param>
/// <param name="Tasks">Every running task, waiting or being worked on, oldest first.</param>
public sealed record AdminMediaJobs(int Waiting, int Capacity, IReadOnlyList<AdminMediaTask> Tasks);

/// <summary>A running media task.</summary>
public sealed record AdminMediaTask(string Id, string? Owner, string OriginalSha256, string OriginalType, int Progress, string Message, long Created, long Updated)
{
    public static AdminMediaTask From(MediaTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new(task.Id, task.Owner, task.OriginalSha256, task.OriginalType, task.Progress, task.Message, task.Created, task.Updated);
    }
}
