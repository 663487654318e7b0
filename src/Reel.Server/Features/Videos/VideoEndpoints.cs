using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Limits;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;

namespace Reel.Server.Features.Videos;

internal static class VideoEndpoints
{
    // Positions before this share of a video are not worth resuming; after the other the video counts as watched.
    private const double ResumeFrom = 0.05;
    private const double WatchedFrom = 0.95;
    private static readonly string[] Visibilities = ["public", "unlisted", "private"];

    public static IEndpointRouteBuilder MapVideos(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/videos").WithTags("Videos");
        // The receiver judges the Content-Type itself and says how to send a file; Accepts metadata would make routing
        // refuse first with a generic 415, so the accepted types are described to OpenAPI only.
        videos.MapPost("/", UploadAsync)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = UploadRequestBody();
                return Task.CompletedTask;
            })
            .RequireRateLimiting(UploadRateLimit.Policy)
            .WithSummary("Upload a video (multipart part 'file', or the raw bytes)");
        videos.MapGet("/", ListAsync).WithSummary("List videos: newest first, or by age, title or duration; searched by title, filtered by status; or the chosen ids");
        videos.MapGet("/{id}", GetAsync).WithSummary("Get a video");
        videos.MapPatch("/{id}", PatchAsync).WithSummary("Rename a video or change its visibility");
        videos.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a video and all of its files");
        videos.MapPost("/{id}/playback", PlaybackAsync).WithSummary("Fresh playback links (tokens expire)");
        videos.MapPost("/{id}/revoke-links", RevokeLinksAsync).WithSummary("Make every outstanding playback link of the video fail");
        videos.MapPost("/{id}/retry", RetryAsync).WithSummary("Process a failed video again from its stored upload");
        videos.MapPut("/{id}/progress", SaveProgressAsync).WithSummary("Remember where the caller stopped watching");
        app.MapGet("/api/config", (IOptions<UploadOptions> upload) => TypedResults.Ok(new ClientConfig(
                new UploadLimits(upload.Value.MaxBytes, AcceptedFormats.Extensions, AcceptedFormats.MimeTypes, AcceptedFormats.All, upload.Value.Policy.ToLowerInvariant()))))
            .WithTags("Videos").WithSummary("Limits a client can check before it uploads");
        return app;
    }

    internal sealed record ClientConfig(UploadLimits Upload);

    /// <summary>
    /// What a client checks before sending, and the kinds of file it offers in its picker; the server still judges
    /// every upload by its content.
    /// </summary>
    /// <param name="Policy">Who may upload: <c>anonymous</c> (anyone), <c>apikey</c> (an upload key or a signed-in uploader) or <c>accounts</c> (signed-in uploaders).</param>
    internal sealed record UploadLimits(long MaxBytes, IReadOnlyList<string> AcceptedExtensions, IReadOnlyList<string> AcceptedMimeTypes, IReadOnlyList<AcceptedFormat> Formats, string Policy);

    private static async Task<Results<Created<VideoDto>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, Caller caller, VideoIntake intake, VideoViews views, CancellationToken cancellationToken)
    {
        var (video, manageToken, problem) = await intake.ReceiveAsync(request, caller, replacing: null, cancellationToken);
        if (video is null) return problem!;
        var created = await views.RenderAsync(video, caller with { ManageToken = manageToken }, CancellationToken.None);
        return TypedResults.Created($"/api/videos/{video.Id}", created with { ManageToken = manageToken });
    }

    internal static OpenApiRequestBody UploadRequestBody()
    {
        var file = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        var content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "file" },
                    Properties = new Dictionary<string, IOpenApiSchema> { ["file"] = file, ["title"] = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            },
        };
        foreach (var type in AcceptedFormats.MimeTypes.Append("application/octet-stream"))
            content[type] = new OpenApiMediaType { Schema = file };
        return new OpenApiRequestBody { Required = true, Content = content };
    }

    private static async Task<Results<Ok<VideoPage>, ProblemHttpResult>> ListAsync(
        Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken, int limit = 50, string? cursor = null, bool mine = false, bool all = false,
        string? q = null, string? sort = null, string? status = null, string? ids = null)
    {
        if (ids is not null) return await ListChosenAsync(ids, q is null && sort is null && status is null && cursor is null && !mine && !all, caller, videos, views, cancellationToken);
        if (Cursor.InvalidLimit(limit) is { } badLimit) return badLimit;
        var (request, problem) = VideoListing.Read(q, sort, status, cursor);
        if (request is null) return problem!;
        if (mine && !caller.SignedIn) return Problems.SignInRequired("Sign in to list your videos.");
        if (all && !caller.IsAdmin) return Problems.Forbidden("Only admins list every video.");

        var scope = all ? VideoScope.All : mine ? VideoScope.OwnedBy : VideoScope.Listed;
        var query = new VideoListQuery(scope, caller.UserId, request.TitleContains, request.Status, request.Sort, request.After);
        var rows = await videos.ListAsync(query, limit + 1, cancellationToken);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? VideoListing.Encode(request.Sort, page[^1]) : null;
        return TypedResults.Ok(new VideoPage(await views.RenderAsync(page, caller, cancellationToken), next));
    }

    /// <summary>
    /// The chosen videos the caller may see, in the order asked: one request where a page of cards would otherwise ask
    /// about each video still on its way.
    /// </summary>
    private static async Task<Results<Ok<VideoPage>, ProblemHttpResult>> ListChosenAsync(
        string ids, bool alone, Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken)
    {
        var (chosen, problem) = VideoListing.ReadIds(ids, alone);
        if (chosen is null) return problem!;
        var found = (await videos.GetManyAsync(chosen, cancellationToken)).Where(caller.CanSee).ToDictionary(v => v.Id, StringComparer.Ordinal);
        var page = chosen.Select(id => found.GetValueOrDefault(id)).OfType<VideoRecord>().ToList();
        return TypedResults.Ok(new VideoPage(await views.RenderAsync(page, caller, cancellationToken), null));
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> GetAsync(
        string id, Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken) =>
        await VideoAccess.VisibleAsync(id, caller, videos, cancellationToken) is { } video
            ? TypedResults.Ok(await views.RenderAsync(video, caller, cancellationToken))
            : Problems.NotFound();

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> PatchAsync(
        string id, PatchVideoRequest body, Caller caller, VideoStore videos, VideoViews views, LinkRevocations revocations, CancellationToken cancellationToken)
    {
        var (found, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (found is null) return problem!;
        string? title = null;
        if (body.Title is not null)
        {
            title = OneLine.Clean(body.Title);
            if (title.Length is 0 or > VideoIntake.MaxTitleLength) return VideoIntake.InvalidTitle();
        }
        if (body.Visibility is not null && !Visibilities.Contains(body.Visibility))
            return Problems.BadRequest("invalid_visibility", "visibility is public, unlisted or private.");

        if (!await videos.UpdateDetailsAsync(id, title, body.Visibility, cancellationToken)
            || await videos.GetAsync(id, cancellationToken) is not { } video)
            return Problems.NotFound();
        // The store decides when a change revokes the links (making a video private); this node honours it at once.
        if (video.LinksGeneration != found.LinksGeneration) await revocations.RefreshAsync(cancellationToken);
        return TypedResults.Ok(await views.RenderAsync(video, caller, cancellationToken));
    }
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, Caller caller, VideoStore videos, UploadStore uploads, FileSweeper files, RunningJobs running, CancellationToken cancellationToken)
    {
        var (found, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (found is null) return problem!;
        var upload = found.Status == VideoStatus.Uploading ? await uploads.GetAsync(id, cancellationToken) : null;
        if (await videos.DeleteAsync(id, upload?.StorageState, cancellationToken) is not { } removed)
            return Problems.NotFound();
        // The row (and its jobs) is gone first, so the video vanishes at once, and its files are recorded for removal
        // with it: from here on the delete has happened, whatever storage says. A job still running (of the video or
        // of a replacement pending for it) is stopped, and awaited, so no file it was writing appears after the files
        // are removed; files storage could not remove now are removed by the worker's sweep once it answers.
        await running.CancelAsync(id);
        await files.RemoveAsync(removed);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<PlaybackDto>, ProblemHttpResult>> PlaybackAsync(
        string id, Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken) =>
        await VideoAccess.VisibleAsync(id, caller, videos, cancellationToken) is { } video ? TypedResults.Ok(views.Playback(video)) : Problems.NotFound();

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeLinksAsync(
        string id, Caller caller, VideoStore videos, LinkRevocations revocations, CancellationToken cancellationToken)
    {
        var (found, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (found is null) return problem!;
        await videos.RevokeLinksAsync(id, cancellationToken);
        await revocations.RefreshAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted<VideoDto>, ProblemHttpResult>> RetryAsync(
        string id, Caller caller, VideoStore videos, VideoViews views, WorkSignal signal, CancellationToken cancellationToken)
    {
        var (found, problem) = await VideoAccess.ManageableAsync(id, caller, videos, cancellationToken);
        if (found is null) return problem!;
        if (found.Status != VideoStatus.Failed)
            return Problems.Create(StatusCodes.Status409Conflict, "not_failed", "Not failed", "Only a video whose processing failed is processed again.");
        if (await videos.RetryAsync(id, cancellationToken) is not { } kind)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "source_gone", "Upload no longer stored",
                "The uploaded file of this video is no longer stored, so it cannot be processed again; upload it again.");
        }
        signal.Wake(kind);
        var video = await videos.GetAsync(id, CancellationToken.None) ?? found;
        return TypedResults.Accepted($"/api/videos/{id}", await views.RenderAsync(video, caller, CancellationToken.None));
    }

    internal sealed record ProgressRequest(double? PositionSeconds);

    /// <summary>Early positions are not worth resuming and late ones mean "watched": both clear what was saved.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SaveProgressAsync(
        string id, ProgressRequest body, Caller caller, VideoStore videos, AccountStore accounts, CancellationToken cancellationToken)
    {
        if (caller.UserId is not { } userId)
            return Problems.SignInRequired("Positions are kept for signed-in viewers; the web player keeps them in the browser otherwise.");
        if (await VideoAccess.VisibleAsync(id, caller, videos, cancellationToken) is not { } video) return Problems.NotFound();
        if (body.PositionSeconds is not { } position || !double.IsFinite(position) || position < 0 || position > video.DurationSeconds + 1)
        {
            return Problems.BadRequest("invalid_position",
                $"positionSeconds is between 0 and the video's duration ({video.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s).");
        }
        var share = video.DurationSeconds > 0 ? position / video.DurationSeconds : 0;
        if (share is < ResumeFrom or > WatchedFrom) await accounts.ClearProgressAsync(userId, id, cancellationToken);
        else await accounts.SaveProgressAsync(userId, id, position, cancellationToken);
        return TypedResults.NoContent();
    }
}
