// BUD-09: PUT /report.
using System.Text.Json.Serialization;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Moderation;
using Blossom.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blossom.Server.Endpoints;

internal static class ReportEndpoints
{
    /// <summary>NIP-56 reports.</summary>
    public const int ReportKind = 1984;

    private const int MaxEventBytes = 64 * 1024;

    public static RouteGroupBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        // The body is itself a signed event: no token is needed to send one.
        var group = app.MapGroup("/report").WithTags("BUD-09 report");
        group.MapPut("", ReportAsync)
            .WithName("Report")
            .WithSummary("Takes a signed kind 1984 event naming blobs in x tags and keeps it for the operator.");
        return group;
    }

    internal static async Task<Results<Ok<ReportReceipt>, BlossomError>> ReportAsync(
        HttpRequest request, ModerationStore moderation, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await ReadSmallBodyAsync(request, cancellationToken).ConfigureAwait(false) is not { } body)
            return BlossomError.TooLarge($"A report event is at most {MaxEventBytes} bytes");
        if (NostrEvent.FromJson(body) is not { } report)
            return BlossomError.BadRequest("The body must be a signed Nostr report event (kind 1984) in JSON");
        if (report.Kind != ReportKind)
            return BlossomError.BadRequest("A report is a kind 1984 event (NIP-56)");
        var blobs = report.Tags.Where(t => t.Count >= 2 && t[0] == "x" && BlobHash.IsValid(t[1])).DistinctBy(t => t[1]).ToList();
        if (blobs.Count == 0)
            return BlossomError.BadRequest("A report names the blobs it reports in x tags");
        if (report.CheckIdAndSignature() is { } invalid)
            return BlossomError.BadRequest($"Report event {invalid}");

        var received = time.GetUtcNow().ToUnixTimeSeconds();
        var json = System.Text.Encoding.UTF8.GetString(body);
        await moderation.AddReportsAsync(
            [.. blobs.Select(t => new BlobReport(report.Id, t[1], report.Pubkey, t.Count >= 3 ? t[2] : "", report.Content, json, received))],
            cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ReportReceipt(report.Id, [.. blobs.Select(t => t[1])]));
    }

    /// <summary>The body, or null when it is longer than a report can be.</summary>
    private static async Task<byte[]?> ReadSmallBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxEventBytes)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxEventBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

/// <summary>What a report answer says: the event kept and the blobs it names.</summary>
public sealed record ReportReceipt(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("reported")] IReadOnlyList<string> Reported);
