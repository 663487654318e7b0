using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reel.Media;
using Reel.Server.Data;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Videos;

internal static class VideoEndpoints
{
    private const int MaxTitleLength = 200;
    private static readonly string[] Visibilities = ["public", "unlisted", "private"];

    public static IEndpointRouteBuilder MapVideos(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/videos").WithTags("Videos");
        videos.MapPost("/", UploadAsync)
            .Accepts<IFormFile>("multipart/form-data", "video/mp4", "video/quicktime", "video/x-matroska", "video/webm", "video/x-msvideo", "application/octet-stream")
            .WithSummary("Upload a video (multipart part 'file', or the raw bytes)");
        videos.MapGet("/", ListAsync).WithSummary("List videos, newest first");
        videos.MapGet("/{id}", GetAsync).WithSummary("Get a video");
        videos.MapPatch("/{id}", PatchAsync).WithSummary("Rename a video or change its visibility");
        videos.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a video and all of its files");
        app.MapGet("/api/config", (IOptions<UploadOptions> upload) => TypedResults.Ok(new ClientConfig(new UploadLimits(upload.Value.MaxBytes, UploadLimits.Extensions))))
            .WithTags("Videos").WithSummary("Limits a client can check before it uploads");
        return app;
    }

    internal sealed record ClientConfig(UploadLimits Upload);

    /// <summary>What a client checks before sending; the server still judges every upload by its content.</summary>
    internal sealed record UploadLimits(long MaxBytes, IReadOnlyList<string> AcceptedExtensions)
    {
        public static readonly IReadOnlyList<string> Extensions = [".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"];
    }

    internal sealed record UploadServices(
        UploadReceiver Receiver,
        MediaTools Media,
        IMediaStorage Storage,
        VideoStore Videos,
        WorkSignal Signal,
        NodeSettings Node,
        TimeProvider Clock,
        ILogger<UploadReceiver> Logger);

    private static async Task<Results<Created<VideoDto>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, [AsParameters] UploadServices services, CancellationToken cancellationToken)
    {
        var id = Ids.NewVideoId();
        var temp = Path.Combine(services.Node.TempDir, id + ".upload");
        using var scope = services.Logger.BeginScope("VideoId:{VideoId}", id);
        try
        {
            var received = await services.Receiver.ReceiveAsync(request, temp, cancellationToken);
            if (received.Bytes == 0)
                return Problems.BadRequest("empty_upload", "The upload is empty.");

            // A title the client chose must be valid; one taken from the file name is only shortened.
            var explicitTitle = received.Title ?? request.Query["title"].FirstOrDefault();
            var cleaned = CleanTitle(explicitTitle ?? received.FileName ?? "");
            if (explicitTitle is not null && cleaned.Length is 0 or > MaxTitleLength)
                return Problems.BadRequest("invalid_title", $"A title has 1 to {MaxTitleLength} characters.");
            var title = cleaned.Length > 0 ? Truncate(cleaned) : "Untitled video";

            var outcome = await services.Media.ProbeAsync(temp, cancellationToken);
            if (outcome.Problem is { } problem)
            {
                services.Logger.LogInformation("Upload rejected: {Code} {Message}", problem.Code, problem.Message);
                var status = problem.Code == "unsupported_media" ? StatusCodes.Status415UnsupportedMediaType : StatusCodes.Status422UnprocessableEntity;
                return Problems.Create(status, problem.Code, status == 415 ? "Unsupported media" : "Unprocessable video", problem.Message);
            }

            var probe = outcome.Probe!;
            var sourceKey = StorageKeys.OriginalFile(id, ContainerExtension(probe.FormatName));
            var now = services.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            var video = new VideoRecord
            {
                Id = id,
                Title = title,
                Status = VideoStatus.Queued,
                DurationSeconds = probe.DurationSeconds,
                Width = probe.Video!.DisplayWidth,
                Height = probe.Video.DisplayHeight,
                SizeBytes = received.Bytes,
                SourceKey = sourceKey,
                ProbeJson = outcome.ProbeJson!,
                CreatedAt = now,
                UpdatedAt = now,
            };
            // Only a browser-compatible source has a quick remux to make first; anything else goes straight to the ladder.
            var firstJob = SourceCheck.IsBrowserCompatible(probe.Video) ? JobKind.Prepare : JobKind.Encode;
            // The bytes are all here and valid: finish storing them even if the client hangs up now.
            await services.Storage.PutFileAsync(sourceKey, temp, CancellationToken.None);
            try
            {
                await services.Videos.InsertWithJobAsync(video, firstJob, CancellationToken.None);
            }
            catch
            {
                await services.Storage.DeletePrefixAsync(StorageKeys.Original(id), CancellationToken.None);
                throw;
            }
            services.Signal.Wake(firstJob);
            services.Logger.LogInformation("Upload stored: {Bytes} bytes, {Format} {Width}x{Height}, {Duration:0.0} s",
                received.Bytes, probe.FormatName, video.Width, video.Height, video.DurationSeconds);
            return TypedResults.Created($"/api/videos/{id}", VideoDto.From(video));
        }
        catch (UploadRejectedException e)
        {
            services.Logger.LogInformation("Upload rejected: {Code} {Message}", e.Code, e.Message);
            return Problems.Create(e.Status, e.Code, e.Status == 413 ? "File too large" : "Upload rejected", e.Message);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static async Task<Results<Ok<VideoPage>, ProblemHttpResult>> ListAsync(
        VideoStore videos, CancellationToken cancellationToken, int limit = 50, string? cursor = null)
    {
        if (limit is < 1 or > 200)
            return Problems.BadRequest("invalid_limit", "limit is between 1 and 200.");
        (long, string)? after = null;
        if (cursor is not null)
        {
            if (DecodeCursor(cursor) is not { } c) return Problems.BadRequest("invalid_cursor", "The cursor is not one this server gave out.");
            after = c;
        }

        var rows = await videos.ListAsync(limit + 1, after, cancellationToken);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? EncodeCursor(page[^1]) : null;
        return TypedResults.Ok(new VideoPage(page.Select(VideoDto.From).ToList(), next));
    }

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> GetAsync(string id, VideoStore videos, CancellationToken cancellationToken) =>
        Ids.IsVideoId(id) && await videos.GetAsync(id, cancellationToken) is { } video
            ? TypedResults.Ok(VideoDto.From(video))
            : Problems.NotFound();

    private static async Task<Results<Ok<VideoDto>, ProblemHttpResult>> PatchAsync(
        string id, PatchVideoRequest body, VideoStore videos, CancellationToken cancellationToken)
    {
        if (!Ids.IsVideoId(id)) return Problems.NotFound();
        string? title = null;
        if (body.Title is not null)
        {
            title = CleanTitle(body.Title);
            if (title.Length is 0 or > MaxTitleLength)
                return Problems.BadRequest("invalid_title", $"A title has 1 to {MaxTitleLength} characters.");
        }
        if (body.Visibility is not null && !Visibilities.Contains(body.Visibility))
            return Problems.BadRequest("invalid_visibility", "visibility is public, unlisted or private.");

        if (!await videos.UpdateDetailsAsync(id, title, body.Visibility, cancellationToken))
            return Problems.NotFound();
        return await videos.GetAsync(id, cancellationToken) is { } video ? TypedResults.Ok(VideoDto.From(video)) : Problems.NotFound();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, VideoStore videos, IMediaStorage storage, RunningJobs running, ILogger<VideoStore> logger, CancellationToken cancellationToken)
    {
        if (!Ids.IsVideoId(id) || !await videos.DeleteAsync(id, cancellationToken))
            return Problems.NotFound();
        // The row (and its jobs) is gone first, so the video vanishes at once. A job still running is stopped, and
        // awaited, so no file it was writing appears after the answer; files a crash leaves behind are removed by
        // the start-up sweep.
        await running.CancelAsync(id);
        try
        {
            await storage.DeletePrefixAsync(StorageKeys.Video(id), CancellationToken.None);
            await storage.DeletePrefixAsync(StorageKeys.Original(id), CancellationToken.None);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Video {VideoId} is deleted but some of its files are not yet; the next start removes them", id);
        }
        return TypedResults.NoContent();
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

    private static string ContainerExtension(string formatName) =>
        formatName.StartsWith("matroska", StringComparison.Ordinal) ? "mkv"
        : formatName == "avi" ? "avi"
        : "mp4";

    private static string EncodeCursor(VideoRecord last) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{last.CreatedAt.ToString(CultureInfo.InvariantCulture)}.{last.Id}"));

    private static (long, string)? DecodeCursor(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('.', 2);
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt) && Ids.IsVideoId(parts[1])
                ? (createdAt, parts[1]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
