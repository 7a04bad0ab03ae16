// The operator's view of the storage rules: GET /admin/retention.
using Blossom.Core.Retention;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blossom.Server;

internal static class RetentionEndpoints
{
    public static RouteGroupBuilder MapRetentionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup();
        group.MapGet("/retention", PreviewAsync).WithName("AdminRetention")
            .WithSummary("What a retention sweep run now would remove, rule by rule (ownerships, blobs, bytes), and whether sweeps only count (dry run). Removes nothing.");
        return group;
    }

    /// <summary>Walks every blob as a sweep would, so an operator checks a rule set during its dry run.</summary>
    internal static async Task<Ok<RetentionReport>> PreviewAsync(RetentionSweep sweep, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sweep.PreviewAsync(cancellationToken));
}
