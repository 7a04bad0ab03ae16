// BUD-09: PUT /report.
using System.Text.Json.Serialization;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Moderation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blossom.Server;

internal static class ReportEndpoints
{
    /// <summary>NIP-56 reports.</summary>
    public const int ReportKind = 1984;

    // Reports need no token, so what one may cost is bounded here: a NIP-56 report names a few
    // blobs and says why in a sentence or a paragraph.
    private const int MaxEventBytes = 16 * 1024;
    private const int MaxBlobs = 20;
    private const int MaxContentChars = 2000;

    public static RouteGroupBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        // The body is itself a signed event: no token is needed to send one, and reports have a
        // per-IP budget of their own (RateLimit:ReportsPerIpPerMinute).
        var group = app.MapGroup("/report").WithTags("BUD-09 report").WithIpRateLimit(IpRateLimit.Reports);
        group.MapPut("", ReportAsync)
            .WithName("Report")
            .WithSummary("Takes a signed kind 1984 event naming blobs in x tags and keeps it for the operator.");
        return group;
    }

    /// <summary>
    /// Keeps the report for the named blobs this server holds; the answer's <c>reported</c> lists
    /// those the reporter had not reported before (a repeat is answered 200 and adds nothing).
    /// </summary>
    internal static async Task<Results<Ok<ReportReceipt>, BlossomError>> ReportAsync(
        HttpRequest request, IModerationStore moderation, BlobService blobs, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await ReadSmallBodyAsync(request, cancellationToken) is not { } body)
            return BlossomError.TooLarge($"A report event is at most {MaxEventBytes} bytes");
        if (NostrEvent.FromJson(body) is not { } report)
            return BlossomError.BadRequest("The body must be a signed Nostr report event (kind 1984) in JSON");
        if (report.Kind != ReportKind)
            return BlossomError.BadRequest("A report is a kind 1984 event (NIP-56)");
        var named = report.Tags.Where(t => t.Count >= 2 && t[0] == "x" && BlobHash.IsValid(t[1])).DistinctBy(t => t[1]).ToList();
        if (named.Count == 0)
            return BlossomError.BadRequest("A report names the blobs it reports in x tags");
        if (named.Count > MaxBlobs)
            return BlossomError.BadRequest($"A report names at most {MaxBlobs} blobs in x tags");
        if (report.Content.Length > MaxContentChars)
            return BlossomError.TooLarge($"A report's content is at most {MaxContentChars} characters");
        if (report.CheckIdAndSignature() is { } invalid)
            return BlossomError.BadRequest($"Report event {invalid}");

        var held = new List<ReportedBlob>(named.Count);
        foreach (var tag in named)
        {
            if (await blobs.FindAsync(tag[1], cancellationToken) is not null)
                held.Add(new ReportedBlob(tag[1], tag.Count >= 3 ? tag[2] : ""));
        }
        if (held.Count == 0)
            return BlossomError.NotFound("None of the reported blobs is stored on this server");

        var received = time.GetUtcNow().ToUnixTimeSeconds();
        var json = System.Text.Encoding.UTF8.GetString(body);
        var reported = await moderation.AddReportAsync(
            new ReportEvent(report.Id, report.Pubkey, report.Content, json, received), held, cancellationToken);
        return TypedResults.Ok(new ReportReceipt(report.Id, reported));
    }

    /// <summary>The body, or null when it is longer than a report can be.</summary>
    private static async Task<byte[]?> ReadSmallBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!RequestBodyLimit.TryCap(request, MaxEventBytes))
            return null;
        using var buffer = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(buffer, cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.IsTooLarge())
        {
            return null;
        }
        return buffer.ToArray();
    }
}

/// <summary>What a report answer says: the event, and the blobs it newly reported (held here, not reported by this pubkey before).</summary>
public sealed record ReportReceipt(
    string Id,
    IReadOnlyList<string> Reported);
