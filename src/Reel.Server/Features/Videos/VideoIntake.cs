using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reel.Server.Data;
using Reel.Server.Features.Auth;
using Reel.Server.Features.Limits;
using Reel.Server.Infrastructure;
using Reel.Server.Processing;
using Reel.Server.Storage;

namespace Reel.Server.Features.Videos;

/// <summary>A video just taken in, or why it was not: the problem, and nothing of the upload kept.</summary>
internal readonly record struct Intake(VideoRecord? Video, string? ManageToken, ProblemHttpResult? Problem)
{
    public static implicit operator Intake(ProblemHttpResult problem) => new(null, null, problem);
}

/// <summary>
/// How a new video comes in, whichever way its bytes arrive (<c>POST /api/videos</c> in one request, or a tus upload
/// in many): who may upload, its title, its row, ffprobe's verdict on its content and its first job. Both paths judge
/// a file alike because both come through here.
/// </summary>
internal sealed class VideoIntake(
    UploadReceiver receiver,
    UploadAllowance allowance,
    VideoStore videos,
    UploadStore uploads,
    IMediaStorage storage,
    MediaTools media,
    FileSweeper files,
    WorkSignal signal,
    NodeSettings node,
    TimeProvider clock,
    IOptions<UploadOptions> options,
    ILogger<VideoIntake> logger)
{
    public const int MaxTitleLength = 200;
    private const string UntitledVideo = "Untitled video";

    /// <summary>
    /// Every video's first job: each is first made playable in the lane that never waits behind encodes, by a remux or
    /// by its first rung (ADR 11).
    /// </summary>
    private const string FirstJob = JobKind.Prepare;

    /// <summary>Why the caller may not upload under the configured policy, or null when they may.</summary>
    public ProblemHttpResult? Refusal(Caller caller) => options.Value.Policy switch
    {
        UploadPolicy.Anonymous => null,
        _ when caller.IsUploader => null,
        UploadPolicy.ApiKey when caller.ApiKeyId is not null => null,
        _ when caller.SignedIn => Problems.Forbidden("Uploading needs the uploader role; ask an administrator."),
        UploadPolicy.ApiKey => Problems.SignInRequired("Send an upload key as 'Authorization: Bearer …', or sign in as an uploader."),
        _ => Problems.SignInRequired("Sign in with an account that may upload."),
    };

    /// <summary>
    /// The title of a new video: a title the client chose must be valid and is kept as it is; one taken from the file
    /// name loses its extension and is shortened; without either the video is untitled. Returns the problem with a
    /// chosen title, if any.
    /// </summary>
    public static ProblemHttpResult? NewTitle(string? chosen, string? fileName, out string title)
    {
        var cleaned = OneLine.Clean(chosen ?? WithoutExtension(fileName ?? ""));
        title = cleaned.Length > 0 ? Truncate(cleaned) : UntitledVideo;
        return chosen is not null && cleaned.Length is 0 or > MaxTitleLength ? InvalidTitle() : null;
    }

    /// <summary>"clip.mp4" is "clip" and "my.holiday.mov" "my.holiday"; a name that is only an extension (".mp4") stays.</summary>
    private static string WithoutExtension(string fileName)
    {
        var dot = fileName.LastIndexOf('.');
        return dot > 0 && fileName[..dot].Trim().Length > 0 ? fileName[..dot] : fileName;
    }

    public static ProblemHttpResult InvalidTitle() =>
        Problems.BadRequest("invalid_title", $"A title has 1 to {MaxTitleLength} characters.");

    /// <summary>
    /// A new video row for an upload; without an account the uploader manages it with a secret only they are given. A
    /// replacement of <paramref name="replacing"/> is a hidden row of the same owner, managed through the video it replaces.
    /// </summary>
    public VideoRecord NewVideo(string id, string title, Caller caller, out string? manageToken, VideoRecord? replacing = null)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        manageToken = caller.UserId is null && replacing is null ? Secrets.New("mt_") : null;
        return new VideoRecord
        {
            Id = id,
            Title = replacing?.Title ?? title,
            Visibility = replacing?.Visibility ?? "unlisted",
            Status = VideoStatus.Queued,
            SourceKey = StorageKeys.OriginalFile(id),
            CreatedAt = now,
            UpdatedAt = now,
            OwnerId = replacing is null ? caller.UserId : replacing.OwnerId,
            Uploader = caller.Uploader,
            ManageTokenHash = manageToken is null ? null : Secrets.Hash(manageToken),
            ReplacesId = replacing?.Id,
        };
    }

    /// <summary>Why <paramref name="video"/>'s file cannot be replaced now: it is still being uploaded itself.</summary>
    public static ProblemHttpResult? ReplacementRefusal(VideoRecord video) =>
        video.Status == VideoStatus.Uploading
            ? Problems.Create(StatusCodes.Status409Conflict, "video_uploading", "Still uploading",
                "This video is still being uploaded; finish or cancel that upload before replacing its file.")
            : null;

    /// <summary>
    /// Stores a new video (or replacement) with its first job; a replacement it takes the place of goes. False, and
    /// nothing stored, when the video a replacement is for is gone or uploading now.
    /// </summary>
    private async Task<bool> InsertAsync(VideoRecord video, CancellationToken cancellationToken)
    {
        if (await videos.InsertWithJobAsync(video, FirstJob, cancellationToken) is not { } superseded) return false;
        await files.RemoveAsync(superseded);
        return true;
    }

    /// <summary>
    /// A whole video in one request (<c>POST /api/videos</c>, or <c>PUT /api/videos/{id}/source</c> with
    /// <paramref name="replacing"/>): its bytes go to storage as they arrive (S3 in parts) and to a local copy that
    /// ffprobe judges; a video it takes is stored and queued, and one it refuses, or that breaks off, leaves nothing behind.
    /// </summary>
    public async Task<Intake> ReceiveAsync(HttpRequest request, Caller caller, VideoRecord? replacing, CancellationToken cancellationToken)
    {
        if (Refusal(caller) is { } refused) return refused;
        var quota = await allowance.QuotaOfAsync(caller, cancellationToken);
        var id = Ids.NewVideoId();
        var temp = Path.Combine(node.TempDir, id + ".upload");
        using var scope = logger.BeginScope("VideoId:{VideoId}", id);
        // Discarded when disposed without being completed.
        await using var stored = await storage.BeginUploadAsync(StorageKeys.OriginalFile(id), cancellationToken);
        try
        {
            var received = await receiver.ReceiveAsync(request, temp, stored, quota, cancellationToken);
            if (received.Bytes == 0)
                return Problems.BadRequest("empty_upload", "The upload is empty.");

            if (NewTitle(received.Title ?? request.Query["title"].FirstOrDefault(), received.FileName, out var title) is { } badTitle)
                return badTitle;

            var video = NewVideo(id, title, caller, out var manageToken, replacing);
            video.SizeBytes = received.Bytes;
            var outcome = await media.ProbeAsync(temp, cancellationToken);
            if (Verdict(video, outcome) is { } rejected) return rejected;

            // Other uploads of the account may have been stored while this one arrived: count them again.
            if (await allowance.QuotaOfAsync(caller, cancellationToken) is { } now && received.Bytes > now.RemainingBytes)
                throw UploadReceiver.OverQuota(now, received.Bytes);

            // The bytes are all here and valid: finish storing them even if the client hangs up now.
            await stored.CompleteAsync(temp, CancellationToken.None);
            var inserted = false;
            try
            {
                inserted = await InsertAsync(video, CancellationToken.None);
            }
            finally
            {
                if (!inserted) await storage.DeletePrefixAsync(StorageKeys.Original(id), CancellationToken.None);
            }
            // Only the video a replacement is for can have gone (been deleted) meanwhile.
            if (!inserted) return Problems.NotFound();
            signal.Wake(FirstJob);
            logger.LogInformation("Upload stored: {Bytes} bytes, {Format} {Width}x{Height}, {Duration:0.0} s",
                received.Bytes, outcome.Probe!.FormatName, video.Width, video.Height, video.DurationSeconds);
            return new Intake(video, manageToken, null);
        }
        catch (UploadRejectedException e)
        {
            logger.LogInformation("Upload rejected: {Code} {Message}", e.Code, e.Message);
            return Problems.Create(e.Status, e.Code, e.Title, e.Message);
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "Upload failed: object storage unavailable");
            return Problems.StorageUnavailable(
                "The upload could not be stored because the server's object storage is unreachable; nothing was kept. Send it again in a minute.");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Judges a video whose bytes are all stored (the last of a resumable upload) by its content, from the local file
    /// at <paramref name="path"/>: the refusal (415 or 422), or null with the video's probed details filled in.
    /// </summary>
    public async Task<ProblemHttpResult?> JudgeAsync(VideoRecord video, string path, CancellationToken cancellationToken) =>
        Verdict(video, await media.ProbeAsync(path, cancellationToken));

    /// <summary>
    /// A judged resumable upload becomes a video like any other: queued, with its first job, in one transaction. False
    /// when it is no longer uploading (finished before, or deleted).
    /// </summary>
    public async Task<bool> QueueUploadedAsync(VideoRecord video, CancellationToken cancellationToken)
    {
        video.UpdatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (!await uploads.FinishAsync(video, FirstJob, cancellationToken)) return false;
        signal.Wake(FirstJob);
        logger.LogInformation("Resumable upload complete: {Bytes} bytes, {Width}x{Height}, {Duration:0.0} s",
            video.SizeBytes, video.Width, video.Height, video.DurationSeconds);
        return true;
    }

    /// <summary>
    /// The answer to content ffprobe refused: not a video we take (415), or one without a picture (422); otherwise
    /// null, and the video takes what the probe found.
    /// </summary>
    private ProblemHttpResult? Verdict(VideoRecord video, ProbeOutcome outcome)
    {
        if (outcome.Problem is { } problem)
        {
            logger.LogInformation("Upload rejected: {Code} {Message}", problem.Code, problem.Message);
            var status = problem.Code == "unsupported_media" ? StatusCodes.Status415UnsupportedMediaType : StatusCodes.Status422UnprocessableEntity;
            return Problems.Create(status, problem.Code, status == 415 ? "Unsupported media" : "Unprocessable video", problem.Message);
        }
        var probe = outcome.Probe!;
        video.Status = VideoStatus.Queued;
        video.DurationSeconds = probe.DurationSeconds;
        video.Width = probe.Video!.DisplayWidth;
        video.Height = probe.Video.DisplayHeight;
        video.ProbeJson = outcome.ProbeJson!;
        return null;
    }

    private static string Truncate(string title) =>
        title.Length <= MaxTitleLength ? title : title[..MaxTitleLength].TrimEnd();
}
