using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Limits;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Videos;

internal static class VideoEndpoints
{
    private const int MaxTitleLength = 200;
    private const string UntitledVideo = "Untitled video";

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
        videos.MapGet("/", ListAsync).WithSummary("List videos, newest first");
        videos.MapGet("/{id}", GetAsync).WithSummary("Get a video");
        videos.MapPatch("/{id}", PatchAsync).WithSummary("Rename a video or change its visibility");
        videos.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a video and all of its files");
        videos.MapPost("/{id}/playback", PlaybackAsync).WithSummary("Fresh playback links (tokens expire)");
        videos.MapPost("/{id}/revoke-links", RevokeLinksAsync).WithSummary("Make every outstanding playback link of the video fail");
        videos.MapPut("/{id}/progress", SaveProgressAsync).WithSummary("Remember where the caller stopped watching");
        app.MapGet("/api/config", (IOptions<UploadOptions> upload) => TypedResults.Ok(new ClientConfig(new UploadLimits(upload.Value.MaxBytes, AcceptedFormats.Extensions, AcceptedFormats.MimeTypes, AcceptedFormats.All))))
            .WithTags("Videos").WithSummary("Limits a client can check before it uploads");
        return app;
    }

    internal sealed record ClientConfig(UploadLimits Upload);

    /// <summary>
    /// What a client checks before sending, and the kinds of file it offers in its picker; the server still judges
    /// every upload by its content.
    /// </summary>
    internal sealed record UploadLimits(long MaxBytes, IReadOnlyList<string> AcceptedExtensions, IReadOnlyList<string> AcceptedMimeTypes, IReadOnlyList<AcceptedFormat> Formats);

    internal sealed record UploadServices(
        UploadReceiver Receiver,
        MediaTools Media,
        IMediaStorage Storage,
        VideoStore Videos,
        WorkSignal Signal,
        NodeSettings Node,
        TimeProvider Clock,
        VideoViews Views,
        IOptions<UploadOptions> Options,
        UploadAllowance Allowance,
        ILogger<UploadReceiver> Logger);

    private static async Task<Results<Created<VideoDto>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, Caller caller, [AsParameters] UploadServices services, CancellationToken cancellationToken)
    {
        if (UploadRefusal(caller, services.Options.Value.Policy) is { } refused) return refused;
        var quota = await services.Allowance.QuotaOfAsync(caller, cancellationToken);
        var id = Ids.NewVideoId();
        var temp = Path.Combine(services.Node.TempDir, id + ".upload");
        var sourceKey = StorageKeys.OriginalFile(id);
        using var scope = services.Logger.BeginScope("VideoId:{VideoId}", id);
        // The bytes go to storage as they arrive (S3 in parts) and to a local copy that ffprobe judges; an upload that
        // is refused or breaks off is discarded when this is disposed without being completed.
        await using var stored = await services.Storage.BeginUploadAsync(sourceKey, cancellationToken);
        try
        {
            var received = await services.Receiver.ReceiveAsync(request, temp, stored, quota, cancellationToken);
            if (received.Bytes == 0)
                return Problems.BadRequest("empty_upload", "The upload is empty.");

            if (NewTitle(received.Title ?? request.Query["title"].FirstOrDefault(), received.FileName, out var title) is { } badTitle)
                return badTitle;

            var outcome = await services.Media.ProbeAsync(temp, cancellationToken);
            if (outcome.Problem is { } problem)
                return Rejected(problem, services.Logger);

            // Other uploads of the account may have been stored while this one arrived: count them again.
            if (await services.Allowance.QuotaOfAsync(caller, cancellationToken) is { } now && received.Bytes > now.RemainingBytes)
                throw UploadReceiver.OverQuota(now, received.Bytes);

            var video = NewVideo(id, title, caller, services.Clock, out var manageToken);
            video.SizeBytes = received.Bytes;
            TakeProbe(video, outcome);
            // The bytes are all here and valid: finish storing them even if the client hangs up now.
            await stored.CompleteAsync(temp, CancellationToken.None);
            try
            {
                await services.Videos.InsertWithJobAsync(video, JobKind.Prepare, CancellationToken.None);
            }
            catch
            {
                await services.Storage.DeletePrefixAsync(StorageKeys.Original(id), CancellationToken.None);
                throw;
            }
            services.Signal.Wake(JobKind.Prepare);
            services.Logger.LogInformation("Upload stored: {Bytes} bytes, {Format} {Width}x{Height}, {Duration:0.0} s",
                received.Bytes, outcome.Probe!.FormatName, video.Width, video.Height, video.DurationSeconds);
            var created = await services.Views.RenderAsync(video, caller with { ManageToken = manageToken }, CancellationToken.None);
            return TypedResults.Created($"/api/videos/{id}", created with { ManageToken = manageToken });
        }
        catch (UploadRejectedException e)
        {
            services.Logger.LogInformation("Upload rejected: {Code} {Message}", e.Code, e.Message);
            return Problems.Create(e.Status, e.Code, e.Title, e.Message);
        }
        catch (StorageUnavailableException e)
        {
            services.Logger.LogWarning(e, "Upload failed: object storage unavailable");
            return Problems.StorageUnavailable(
                "The upload could not be stored because the server's object storage is unreachable; nothing was kept. Send it again in a minute.");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// The title of a new video: a title the client chose must be valid; one taken from the file name is only
    /// shortened; without either the video is untitled. Returns the problem with a chosen title, if any.
    /// </summary>
    internal static ProblemHttpResult? NewTitle(string? chosen, string? fileName, out string title)
    {
        var cleaned = CleanTitle(chosen ?? fileName ?? "");
        title = cleaned.Length > 0 ? Truncate(cleaned) : UntitledVideo;
        return chosen is not null && cleaned.Length is 0 or > MaxTitleLength
            ? Problems.BadRequest("invalid_title", $"A title has 1 to {MaxTitleLength} characters.")
            : null;
    }

    /// <summary>A new video row for an upload; without an account the uploader manages it with a secret only they are given.</summary>
    internal static VideoRecord NewVideo(string id, string title, Caller caller, TimeProvider clock, out string? manageToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        manageToken = caller.UserId is null ? Secrets.New("mt_") : null;
        return new VideoRecord
        {
            Id = id,
            Title = title,
            Status = VideoStatus.Queued,
            SourceKey = StorageKeys.OriginalFile(id),
            CreatedAt = now,
            UpdatedAt = now,
            OwnerId = caller.UserId,
            Uploader = caller.Uploader,
            ManageTokenHash = manageToken is null ? null : Secrets.Hash(manageToken),
        };
    }

    /// <summary>
    /// Fills in what the probe found. The video's first job is always <see cref="JobKind.Prepare"/>: every video is first
    /// made playable in the lane that never waits behind encodes, by a remux or by its first rung (ADR 11).
    /// </summary>
    internal static void TakeProbe(VideoRecord video, ProbeOutcome outcome)
    {
        var probe = outcome.Probe!;
        video.Status = VideoStatus.Queued;
        video.DurationSeconds = probe.DurationSeconds;
        video.Width = probe.Video!.DisplayWidth;
        video.Height = probe.Video.DisplayHeight;
        video.ProbeJson = outcome.ProbeJson!;
    }

    private static OpenApiRequestBody UploadRequestBody()
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

    /// <summary>The answer to content ffprobe refused: not a video we take (415), or one without a picture (422).</summary>
    internal static ProblemHttpResult Rejected(SourceProblem problem, ILogger logger)
    {
        logger.LogInformation("Upload rejected: {Code} {Message}", problem.Code, problem.Message);
        var status = problem.Code == "unsupported_media" ? StatusCodes.Status415UnsupportedMediaType : StatusCodes.Status422UnprocessableEntity;
        return Problems.Create(status, problem.Code, status == 415 ? "Unsupported media" : "Unprocessable video", problem.Message);
    }

    internal static ProblemHttpResult? UploadRefusal(Caller caller, string policy) => policy switch
    {
        UploadPolicy.Anonymous => null,
        _ when caller.IsUploader => null,
        UploadPolicy.ApiKey when caller.ApiKeyId is not null => null,
        _ when caller.SignedIn => Problems.Forbidden("Uploading needs the uploader role; ask an administrator."),
        UploadPolicy.ApiKey => Problems.SignInRequired("Send an upload key as 'Authorization: Bearer …', or sign in as an uploader."),
        _ => Problems.SignInRequired("Sign in with an account that may upload."),
    };

    private static async Task<Results<Ok<VideoPage>, ProblemHttpResult>> ListAsync(
        Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken, int limit = 50, string? cursor = null, bool mine = false, bool all = false)
    {
        var (after, problem) = Cursor.Page(limit, cursor);
        if (problem is not null) return problem;
        if (mine && !caller.SignedIn) return Problems.SignInRequired("Sign in to list your videos.");
        if (all && !caller.IsAdmin) return Problems.Forbidden("Only admins list every video.");

        var scope = all ? VideoScope.All : mine ? VideoScope.OwnedBy : VideoScope.Listed;
        var rows = await videos.ListAsync(scope, caller.UserId, limit + 1, after, cancellationToken);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? Cursor.Encode(page[^1].CreatedAt, page[^1].Id) : null;
        return TypedResults.Ok(new VideoPage(await views.RenderAsync(page, caller, cancellationToken), next));
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> GetAsync(
        string id, Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken) =>
        await VisibleAsync(id, caller, videos, cancellationToken) is { } video
            ? TypedResults.Ok(await views.RenderAsync(video, caller, cancellationToken))
            : Problems.NotFound();

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> PatchAsync(
        string id, PatchVideoRequest body, Caller caller, VideoStore videos, VideoViews views, LinkRevocations revocations, CancellationToken cancellationToken)
    {
        var (found, problem) = await ManageableAsync(id, caller, videos, cancellationToken);
        if (found is null) return problem!;
        string? title = null;
        if (body.Title is not null)
        {
            title = CleanTitle(body.Title);
            if (title.Length is 0 or > MaxTitleLength)
                return Problems.BadRequest("invalid_title", $"A title has 1 to {MaxTitleLength} characters.");
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
        var (found, problem) = await ManageableAsync(id, caller, videos, cancellationToken);
        if (found is null) return problem!;
        var upload = found.Status == VideoStatus.Uploading ? await uploads.GetAsync(id, cancellationToken) : null;
        if (!await videos.DeleteAsync(id, upload?.StorageState, cancellationToken))
            return Problems.NotFound();
        // The row (and its jobs) is gone first, so the video vanishes at once, and its files are recorded for removal
        // with it: from here on the delete has happened, whatever storage says. A job still running is stopped, and
        // awaited, so no file it was writing appears after the files are removed; files storage could not remove now
        // are removed by the worker's sweep once it answers.
        await running.CancelAsync(id);
        await files.RemoveAsync(id, upload?.StorageState);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<PlaybackDto>, ProblemHttpResult>> PlaybackAsync(
        string id, Caller caller, VideoStore videos, VideoViews views, CancellationToken cancellationToken) =>
        await VisibleAsync(id, caller, videos, cancellationToken) is { } video ? TypedResults.Ok(views.Playback(video)) : Problems.NotFound();

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeLinksAsync(
        string id, Caller caller, VideoStore videos, LinkRevocations revocations, CancellationToken cancellationToken)
    {
        var (found, problem) = await ManageableAsync(id, caller, videos, cancellationToken);
        if (found is null) return problem!;
        await videos.RevokeLinksAsync(id, cancellationToken);
        await revocations.RefreshAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal sealed record ProgressRequest(double? PositionSeconds);

    /// <summary>Early positions are not worth resuming and late ones mean "watched": both clear what was saved.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SaveProgressAsync(
        string id, ProgressRequest body, Caller caller, VideoStore videos, AccountStore accounts, CancellationToken cancellationToken)
    {
        if (caller.UserId is not { } userId)
            return Problems.SignInRequired("Positions are kept for signed-in viewers; the web player keeps them in the browser otherwise.");
        if (await VisibleAsync(id, caller, videos, cancellationToken) is not { } video) return Problems.NotFound();
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

    /// <summary>The video if the caller may see it; a private video of someone else is as absent as a missing one.</summary>
    internal static async Task<VideoRecord?> VisibleAsync(string id, Caller caller, VideoStore videos, CancellationToken cancellationToken) =>
        Ids.IsVideoId(id) && await videos.GetAsync(id, cancellationToken) is { } video && caller.CanSee(video) ? video : null;

    internal static async Task<(VideoRecord? Video, ProblemHttpResult? Problem)> ManageableAsync(
        string id, Caller caller, VideoStore videos, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(id, caller, videos, cancellationToken) is not { } video) return (null, Problems.NotFound());
        return caller.CanManage(video)
            ? (video, null)
            : (null, Problems.Forbidden("Only the video's owner, an admin or the holder of its manage token may change it."));
    }

    private static string CleanTitle(string title)
    {
        var clean = new StringBuilder(title.Length);
        foreach (var c in title.Normalize(NormalizationForm.FormC))
            clean.Append(char.IsControl(c) ? ' ' : c);
        return string.Join(' ', clean.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Truncate(string title) =>
        title.Length <= MaxTitleLength ? title : title[..MaxTitleLength].TrimEnd();
}
