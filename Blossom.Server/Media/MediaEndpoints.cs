// BUD-05: PUT /media and its HEAD preflight, with the task endpoints of the seed draft.
using System.Globalization;
using Blossom.Core.Auth;
using Blossom.Core.Blobs;
using Blossom.Core.Ingest;
using Blossom.Core.Media;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blossom.Server;

internal static partial class MediaEndpoints
{
    /// <summary>The longest a <c>GET /media/&lt;id&gt;?wait=N</c> holds the request.</summary>
    private static readonly TimeSpan MaxLongPoll = TimeSpan.FromSeconds(60);

    /// <summary>What <c>PUT /media</c> uses, bundled for its handler.</summary>
    internal sealed record MediaUploadServices(
        MediaTasks Pipeline, BlobIngest Ingest, IOptions<MediaOptions> MediaOptions, IOptions<UploadOptions> UploadOptions, BlobDescriptions Descriptions);

    /// <summary>
    /// The longest <c>PUT /media</c> holds a request (<c>Media:Mode=Sync</c>, <c>Prefer: wait=N</c>)
    /// before answering with the running task after all.
    /// </summary>
    private static readonly TimeSpan MaxHold = TimeSpan.FromMinutes(30);

    private static readonly TimeSpan QueueFullRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TooManyTasksRetry = TimeSpan.FromSeconds(10);

    public static RouteGroupBuilder MapMediaEndpoints(this IEndpointRouteBuilder app, UploadOptions upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var group = app.MapGroup("/media").WithTags("BUD-05 media");

        // t=media is BUD-11's verb; t=upload is what the seed draft and older clients send.
        string[] submitVerbs = [AuthorizationVerb.Media, AuthorizationVerb.Upload];
        var submit = group.MapGroup("");
        submit = upload.RequireAuth
            ? submit.RequireNostrAuthorization(AuthorizationVerb.Media, submitVerbs, XTagRule.Required, NostrAuthorizationMetadata.HashFromHeader)
            : submit.AcceptUploaderAuthorization(submitVerbs, XTagRule.Required, NostrAuthorizationMetadata.HashFromHeader);
        submit.MapPut("", PutMediaAsync)
            .WithName("OptimizeMedia")
            .WithSummary("Optimizes an image, video or audio file and stores the result: 202 and a task to follow, or the result's descriptor when asked to wait (Prefer: wait=N).");
        submit.MapMethods("", [HttpMethods.Head], CheckMediaAsync)
            .WithName("CheckMedia")
            .WithSummary("Says from X-SHA-256, X-Content-Type and X-Content-Length whether PUT /media would be accepted.");

        // A user's own tasks: a t=media token (or t=list, as a client listing the user's things already holds) names whose.
        group.MapGroup("")
            .RequireNostrAuthorization(AuthorizationVerb.Media, [AuthorizationVerb.Media, AuthorizationVerb.List], XTagRule.NotApplicable, NostrAuthorizationMetadata.NoHash)
            .MapGet("", ListTasksAsync)
            .WithName("ListMediaTasks")
            .WithSummary("Your media tasks still running, with their progress, oldest first.");

        group.MapGet("/{id}", GetTaskAsync)
            .WithName("GetMediaTask")
            .WithSummary("A media task's status and progress; ?wait=N holds the answer until the task ends or N seconds pass.");

        // Only the task's owner cancels, so a token is always needed, whatever Upload:RequireAuth says.
        group.MapGroup("/{id}")
            .RequireNostrAuthorization(AuthorizationVerb.Delete, [AuthorizationVerb.Media, AuthorizationVerb.Delete], XTagRule.NotApplicable, NostrAuthorizationMetadata.NoHash)
            .MapDelete("", CancelTaskAsync)
            .WithName("CancelMediaTask")
            .WithSummary("Cancels your media task; its work stops at once.");
        return group;
    }

    internal static async Task<Results<Accepted<MediaTaskResponse>, Accepted<CompletedMediaTaskResponse>, Created<BlobDescriptor>, Ok<BlobDescriptor>, BlossomError>> PutMediaAsync(
        HttpContext context, [AsParameters] MediaUploadServices services, CancellationToken cancellationToken)
    {
        var (pipeline, ingest, mediaOptions, uploadOptions, descriptions) = services;
        var media = mediaOptions.Value;
        var request = context.Request;
        var mediaType = RequestBlob.DeclaredType(request);
        var owner = context.GetAuthorizationEvent()?.Pubkey;
        var limits = MediaLimits(uploadOptions.Value, media);
        if (UploadPolicy.Check(limits, mediaType, request.ContentLength) is { } refusal)
            return refusal;
        if (await Busy(pipeline, owner, cancellationToken) is { } busy)
            return busy;

        // The original's size stands in for the result's, which is not known yet and rarely larger:
        // it counts against the owner's quota until the task is created; the result counts once committed.
        var original = RequestBlob.Describe(context, mediaType, ownsBody: false);
        var submitted = await ingest.IngestAsync(original, limits, pipeline.Originals,
            (pending, received, type, token) => pipeline.SubmitAsync(pending, received, type, owner, token), cancellationToken);
        if (submitted.Refusal is { } ingestRefusal)
            return ingestRefusal.ToBlossomError();
        var (admission, task) = submitted.Value;
        if (task is null)
            return AdmissionError(admission)!; // no task only when refused

        var preference = MediaPreference.Parse(request, MaxHold);
        // Sync mode and Prefer: wait=N answer the bare descriptor once done. The default mode holds
        // the request a little and answers a task either way, so clients of both BUD-05s get theirs.
        var descriptorOnly = !preference.RespondAsync && (preference.Wait is not null || media.Mode == MediaMode.Sync);
        var hold = preference.RespondAsync ? TimeSpan.Zero
            : preference.Wait ?? (media.Mode == MediaMode.Sync ? MaxHold : TimeSpan.FromSeconds(media.InlineWaitSeconds));
        if (hold > TimeSpan.Zero)
            task = await HoldAsync(context, pipeline, task, hold, cancellationToken);
        if (!preference.RespondAsync && preference.Wait is { } applied)
            context.Response.Headers[MediaPreference.AppliedHeaderName] = string.Create(CultureInfo.InvariantCulture, $"wait={(long)applied.TotalSeconds}");

        var answer = await descriptions.DescribeAsync(task, request, cancellationToken);
        var location = $"/media/{task.Id}";
        return answer.Blob switch
        {
            { } descriptor when descriptorOnly => task.ResultCreated ? TypedResults.Created(descriptor.Url, descriptor) : TypedResults.Ok(descriptor),
            { } descriptor => TypedResults.Accepted(location, CompletedMediaTaskResponse.From(answer, descriptor)),
            null when task.Status == MediaTaskStatus.Canceled && !preference.RespondAsync => BlossomError.Unprocessable(task.Message),
            null => TypedResults.Accepted(location, answer),
        };
    }

    /// <summary>BUD-05's preflight: the announced type and size against the optimizer and its limits.</summary>
    internal static async Task<Results<Ok, BlossomError>> CheckMediaAsync(
        HttpContext context, MediaTasks pipeline, IOptions<MediaOptions> mediaOptions, IOptions<UploadOptions> uploadOptions, CancellationToken cancellationToken)
    {
        var (announced, error) = BlobRequest.ReadAnnouncement(context.Request);
        if (announced is not { } media)
            return error!;
        return UploadPolicy.Check(MediaLimits(uploadOptions.Value, mediaOptions.Value), media.Type, media.Length)
            ?? await Busy(pipeline, context.GetAuthorizationEvent()?.Pubkey, cancellationToken)
            ?? (Results<Ok, BlossomError>)TypedResults.Ok();
    }

    internal static async Task<Ok<IReadOnlyList<MediaTaskResponse>>> ListTasksAsync(
        HttpContext context, MediaTasks pipeline, BlobDescriptions descriptions, CancellationToken cancellationToken)
    {
        var running = await pipeline.RunningForOwnerAsync(context.GetAuthorizationEvent()!.Pubkey, cancellationToken);
        var answers = new List<MediaTaskResponse>(running.Count);
        foreach (var task in running)
            answers.Add(await descriptions.DescribeAsync(task, context.Request, cancellationToken));
        return TypedResults.Ok<IReadOnlyList<MediaTaskResponse>>(answers);
    }

    internal static async Task<Results<Ok<MediaTaskResponse>, BlossomError>> GetTaskAsync(
        string id, string? wait, HttpRequest request, MediaTasks pipeline, BlobDescriptions descriptions, CancellationToken cancellationToken)
    {
        if ((wait is null ? TimeSpan.Zero : MediaPreference.Seconds(wait, MaxLongPoll)) is not { } timeout)
            return BlossomError.BadRequest("wait must be a whole number of seconds");
        // Only the status ends a wait: a caller asking for ?wait=30 wants the result, not the next
        // of the progress ticks a running task makes every second. Progress readers poll without it.
        var task = await pipeline.WaitForEndAsync(id, timeout, cancellationToken);
        return task is null
            ? BlossomError.NotFound("No such media task; ended tasks are forgotten after a while")
            : TypedResults.Ok(await descriptions.DescribeAsync(task, request, cancellationToken));
    }

    internal static async Task<Results<Ok<MediaTaskResponse>, BlossomError>> CancelTaskAsync(
        string id, HttpContext context, MediaTasks pipeline, PublicBaseUrl baseUrl, CancellationToken cancellationToken)
    {
        var requester = context.GetAuthorizationEvent()!.Pubkey;
        var (outcome, task) = await pipeline.CancelAsync(id, requester, cancellationToken);
        return outcome switch
        {
            MediaCancellation.NotFound => BlossomError.NotFound("No such media task"),
            MediaCancellation.NotOwner => BlossomError.Forbidden("Only the task's owner can cancel it"),
            MediaCancellation.AlreadyComplete => BlossomError.Conflict("The task is already complete; delete its blob instead"),
            _ => TypedResults.Ok(MediaTaskResponse.From(task!, baseUrl.For(context.Request))),
        };
    }

    /// <summary>
    /// Holds the request until the task ends or <paramref name="limit"/> passes. The task exists by
    /// now and runs on whatever happens here: its id serves the client better than an error would.
    /// </summary>
    private static async Task<MediaTask> HoldAsync(HttpContext context, MediaTasks pipeline, MediaTask task, TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.WaitForEndAsync(task.Id, limit, cancellationToken) ?? task;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogHoldFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MediaEndpoints).FullName!), e, task.Id);
            return task;
        }
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Media: waiting for task {Id} failed; answering the task as it was")]
    private static partial void LogHoldFailed(ILogger logger, Exception exception, string id);

    /// <summary>Refuses by type and announced size: server policy first, then what the optimizer takes.</summary>
    /// <summary><c>Upload:AllowedTypes</c>, <c>Media:MaxSizeBytes</c>, and only what the optimizer takes.</summary>
    private static IngestLimits MediaLimits(UploadOptions upload, MediaOptions media) =>
        upload.Limits(media.MaxSizeBytes) with
        {
            TypeRule = type => MediaKinds.Of(type) is null
                ? $"The media optimizer takes images, video and audio, not {type}; store other files with PUT /upload"
                : null,
        };

    private static async Task<BlossomError?> Busy(MediaTasks pipeline, string? owner, CancellationToken cancellationToken) =>
        AdmissionError(await pipeline.AdmitAsync(owner, cancellationToken));

    private static BlossomError? AdmissionError(MediaAdmission admission) => admission switch
    {
        MediaAdmission.QueueFull => QueueFull(),
        MediaAdmission.TooManyTasks => BlossomError.TooManyRequests("You have too many unfinished media tasks; wait for one to end", TooManyTasksRetry),
        _ => null,
    };

    private static BlossomError QueueFull() => BlossomError.Unavailable("The media queue is full; try again shortly", QueueFullRetry);
}
